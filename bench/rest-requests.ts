/**
 * Counts the REST requests the app makes per instruction on the green path (CI passes first time),
 * against the loopback fake GitHub: a count, not a timing, so it is stable on any machine.
 * Conditional polls answered 304 (free of rate limit on GitHub) are counted separately.
 *
 * Prints billable requests, 304s and writes per instruction, what each further instruction costs (a
 * second run with twice as many), and the ratio to main before issue 13.
 *
 *   npm run bench:requests [-- --instructions N]
 */
import { parseArgs } from "node:util";
import { REPO, startHarness } from "../test/support/app-harness.js";
import { scriptedAgent, write } from "../test/support/scripted-agent.js";

const { values } = parseArgs({ options: { instructions: { type: "string", default: "5" } } });
const n = Number(values.instructions);

/**
 * The same bench on main before issue 13 (44a702f, this machine; counts do not depend on the machine):
 * billable REST requests for 4, 5 and 8 instructions (65, 80, 113), 0 answered 304, 15 writes for 4.
 */
const BASELINE_BILLABLE: Record<number, number> = { 4: 65, 5: 80, 8: 113 };
const BASELINE_MARGINAL = (113 - 80) / 3;

const workflow = "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: test -f README.md\n";

interface Count {
  billable: number;
  notModified: number;
  writes: number;
  git: number;
  phase?: string;
  byKind: Map<string, number>;
}

/** One green-path run of `count` instructions, CI on, webhooks arriving; its REST requests counted. */
async function measure(count: number): Promise<Count> {
  const steps = Array.from({ length: count }, (_, i) => ({
    match: `file number ${i + 1}.`,
    actions: [write({ [`src/f${i + 1}.txt`]: `${i + 1}\n` })],
    summary: `Wrote src/f${i + 1}.txt.`,
  }));
  const h = await startHarness({
    llm: scriptedAgent({ plan: steps.map((s) => `Write ${s.match}`), steps }),
    files: { ".github/workflows/ci.yml": workflow },
    config: `max_instructions: ${count}\n`,
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
    const billable = rest.filter((r) => r.status !== 304);
    const byKind = new Map<string, number>();
    for (const r of billable) {
      const kind = `${r.method} ${r.path.replace(/\?.*$/, "").replace(/\/\d+/g, "/:n").replace("/api/v3/repos/acme/demo", "")}`;
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    return {
      billable: billable.length,
      notModified: rest.length - billable.length,
      writes: billable.filter((r) => r.method !== "GET").length,
      git: requests.filter((r) => r.path.includes(".git/")).length,
      phase: /\*\*Status:\*\* (\w+)/.exec(h.planComment(issue.number)?.body ?? "")?.[1],
      byKind,
    };
  } finally {
    await h.close();
  }
}

const per = (x: number, k: number) => (x / k).toFixed(1);
const main = await measure(n);
const more = await measure(2 * n);
const marginal = (more.billable - main.billable) / n;
console.log(`green path, ${n} instructions, CI on (run ${main.phase}):`);
console.log(`  billable REST requests: ${main.billable} (${per(main.billable, n)} per instruction)`);
console.log(`  conditional reads answered 304 (not counted by GitHub): ${main.notModified} (${per(main.notModified, n)} per instruction)`);
console.log(`  writes (POST/PATCH): ${main.writes} (${per(main.writes, n)} per instruction)`);
console.log(`  git smart-HTTP requests: ${main.git} (${per(main.git, n)} per instruction)`);
console.log(`  with ${2 * n} instructions: ${more.billable} billable (${per(more.billable, 2 * n)} per instruction, run ${more.phase})`);
console.log(
  `  each further instruction: ${marginal.toFixed(1)} billable; the rest is per run (${(main.billable - marginal * n).toFixed(0)})`,
);
const base = BASELINE_BILLABLE[n];
if (base !== undefined)
  console.log(`  vs main before issue 13: ${base} → ${main.billable} billable (×${(main.billable / base).toFixed(2)})`);
console.log(
  `  each further instruction vs main: ${BASELINE_MARGINAL.toFixed(1)} → ${marginal.toFixed(1)} (×${(marginal / BASELINE_MARGINAL).toFixed(2)})`,
);
console.log("  by endpoint:");
for (const [kind, count] of [...main.byKind].sort((a, b) => b[1] - a[1])) console.log(`    ${String(count).padStart(4)}  ${kind}`);
