/**
 * Counts the REST requests the app makes per instruction on the green path (CI passes first time),
 * against the loopback fake GitHub: a count, not a timing, so it is stable on any machine.
 * Conditional polls answered 304 (free of rate limit on GitHub) are counted separately.
 *
 *   npm run bench:requests [-- --instructions N]
 */
import { parseArgs } from "node:util";
import { REPO, startHarness } from "../test/support/app-harness.js";
import { scriptedAgent, write } from "../test/support/scripted-agent.js";

const { values } = parseArgs({ options: { instructions: { type: "string", default: "4" } } });
const n = Number(values.instructions);
const steps = Array.from({ length: n }, (_, i) => ({
  match: `file number ${i + 1}.`,
  actions: [write({ [`src/f${i + 1}.txt`]: `${i + 1}\n` })],
  summary: `Wrote src/f${i + 1}.txt.`,
}));
const workflow = "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: test -f README.md\n";

const h = await startHarness({
  llm: scriptedAgent({ plan: steps.map((s) => `Write ${s.match}`), steps }),
  files: { ".github/workflows/ci.yml": workflow },
  config: `max_instructions: ${n}\n`,
});
try {
  // The start-up scan for interrupted runs is not part of an instruction's cost.
  await new Promise((r) => setTimeout(r, 1500));
  const issue = h.gh.createIssue(REPO, { title: "Bench", body: "Write the files." });
  const before = h.gh.requests.length;
  await h.deliver("issues", h.gh.issueLabeledPayload(REPO, issue.number, "l2mac"));
  await h.idle();
  await h.gh.actionsIdle();
  const requests = h.gh.requests.slice(before);
  const rest = requests.filter((r) => r.path.startsWith("/api/v3/") && !r.path.startsWith("/api/v3/app/"));
  const conditional304 = rest.filter((r) => r.status === 304);
  const billable = rest.filter((r) => r.status !== 304);
  const git = requests.filter((r) => r.path.includes(".git/"));
  const byKind = new Map<string, number>();
  for (const r of billable) {
    const kind = `${r.method} ${r.path.replace(/\?.*$/, "").replace(/\/\d+/g, "/:n").replace("/api/v3/repos/acme/demo", "")}`;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  const phase = /\*\*Status:\*\* (\w+)/.exec(h.planComment(issue.number)?.body ?? "")?.[1];
  console.log(`green path, ${n} instructions (run ${phase}):`);
  console.log(`  REST requests counted against the rate limit: ${billable.length} (${(billable.length / n).toFixed(1)} per instruction)`);
  console.log(`  conditional polls answered 304 (not counted by GitHub): ${conditional304.length}`);
  console.log(`  git smart-HTTP requests: ${git.length} (${(git.length / n).toFixed(1)} per instruction)`);
  console.log("  by endpoint:");
  for (const [kind, count] of [...byKind].sort((a, b) => b[1] - a[1])) console.log(`    ${String(count).padStart(4)}  ${kind}`);
} finally {
  await h.close();
}
