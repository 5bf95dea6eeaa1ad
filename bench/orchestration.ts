/**
 * The app's own time per instruction, outside the LLM (scripted, instant) and CI (off), against a bare
 * `git commit && git push` of the same files to the same loopback server, on a 1,000- and a 20,000-file
 * repository, in one run. GitHub's write pacing is excluded (throttling off, as in the harness). Also the
 * prompt tokens per instruction against a naive prompt holding the whole repository. Two figures for the
 * app: the whole run (label to pull request) over its instructions, which carries the run's fixed costs
 * (a new issue's clone and checkout, planning, the pull request), and one instruction after another
 * (from one instruction's first LLM call to the next's), which is what each further instruction costs.
 * The bench fails unless each run ticked every item and pushed every instruction's file.
 *
 *   node --import tsx bench/orchestration.ts [-- --instructions 4 --sizes 1000,20000]
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseArgs } from "node:util";
import { countText } from "../src/engine/token-counter.js";
import { parseChecklist } from "../src/github/checklist.js";
import { REPO, startHarness, type Harness } from "../test/support/app-harness.js";
import { complete, instructionText, kindOf, scriptedAgent, write } from "../test/support/scripted-agent.js";

const run = promisify(execFile);
const { values } = parseArgs({
  options: { instructions: { type: "string", default: "4" }, sizes: { type: "string", default: "1000,20000" } },
});
const n = Number(values.instructions);
const sizes = values.sizes.split(",").map(Number);

/** A repository of `count` small source files in nested folders, like a real tree. */
function repoFiles(count: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) files[`src/m${i % 20}/d${Math.floor(i / 20) % 50}/file${i}.ts`] = `export const v${i} = ${i};\n`;
  return files;
}

/** One step per instruction: each run (the warm one, then the measured one) writes its own file for it. */
const stepsFor = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    match: `part ${i + 1} of the feature.`,
    // A step's actions are used up in order, once: the warm run's, then the measured run's.
    actions: [
      write({ [`warm/part${i + 1}.ts`]: partFile(i + 1) }),
      complete,
      write({ [`feature/part${i + 1}.ts`]: partFile(i + 1) }),
      complete,
    ],
    summary: `Wrote part ${i + 1}.`,
  }));
const partFile = (i: number) => `export const part${i} = ${i};\n`;

/**
 * A run that did not write is no measurement: every instruction must be ticked, the run done, and each
 * instruction's file on the run's branch on GitHub. Throws otherwise (the bench exits non-zero).
 */
async function assertWrote(h: Harness, issue: number, folder: string): Promise<void> {
  const body = h.planComment(issue)?.body ?? "";
  const { items } = parseChecklist(body);
  const ticked = items.filter((i) => i.checked).length;
  const problems: string[] = [];
  if (items.length !== n || ticked !== n) problems.push(`${ticked} of ${items.length} items ticked (expected ${n} of ${n})`);
  const branch = `l2mac/issue-${issue}`;
  for (let i = 1; i <= n; i++) {
    const path = `${folder}/part${i}.ts`;
    if ((await h.gh.readFile(REPO, branch, path)) !== partFile(i)) problems.push(`${path} is not on ${branch}`);
  }
  if (h.gh.pulls(REPO).filter((p) => p.head === branch).length !== 1) problems.push(`no pull request from ${branch}`);
  if (problems.length > 0) {
    throw new Error(`issue #${issue}'s run did not write what it was scripted to: ${problems.join("; ")}\n${body}`);
  }
}

async function appPerInstruction(files: Record<string, string>) {
  const steps = stepsFor(n);
  const agent = scriptedAgent({ plan: steps.map((s) => `Write ${s.match}`), steps });
  // When each instruction's first LLM call came, in the measured run.
  const firstCall = new Map<string, number>();
  let measuring = false;
  const h = await startHarness({
    llm: (r, i) => {
      const step = kindOf(r) === "act" ? steps.find((s) => instructionText(r).includes(s.match)) : undefined;
      if (step && measuring && !firstCall.has(step.match)) firstCall.set(step.match, performance.now());
      return agent(r, i);
    },
    files,
    config: `max_instructions: ${n}\nci:\n  enabled: false\n`,
  });
  try {
    await new Promise((r) => setTimeout(r, 1500)); // the start-up scan
    // A first run warms the clone, as a long-lived worker's working copies are warm.
    const warm = h.gh.createIssue(REPO, { title: "Warm", body: "Write the feature." });
    await h.deliver("issues", h.gh.issueLabeledPayload(REPO, warm.number, "l2mac"));
    await h.idle();
    await assertWrote(h, warm.number, "warm");
    const issue = h.gh.createIssue(REPO, { title: "Bench", body: "Write the feature." });
    const llmBefore = h.llm.requests.length;
    measuring = true;
    const started = performance.now();
    await h.deliver("issues", h.gh.issueLabeledPayload(REPO, issue.number, "l2mac"));
    await h.idle();
    const ms = performance.now() - started;
    await assertWrote(h, issue.number, "feature");
    const usage = /"promptTokens":(\d+)/.exec(h.planComment(issue.number)?.body ?? "");
    if (!usage) throw new Error(`issue #${issue.number}'s plan comment records no prompt tokens`);
    const [first, last] = [firstCall.get(steps[0]!.match)!, firstCall.get(steps.at(-1)!.match)!];
    return {
      msPerInstruction: ms / n,
      steadyMs: n > 1 ? (last - first) / (n - 1) : NaN,
      promptTokens: Number(usage[1]) / n,
      llmCalls: h.llm.requests.length - llmBefore,
    };
  } finally {
    await closeQuietly(h);
  }
}

/** A bare repository git is still tidying up (auto gc after large pushes) may refuse removal: not a result. */
const closeQuietly = (h: { close(): Promise<void> }) => h.close().catch((e: unknown) => console.warn(`(cleanup: ${String(e)})`));

/** `git commit && git push` of the same files, one commit per instruction, to the same kind of server. */
async function gitFloor(files: Record<string, string>): Promise<number> {
  const h = await startHarness({ llm: scriptedAgent({ plan: [], steps: [] }), files });
  const dir = await mkdtemp(join(tmpdir(), "l2mac-floor-"));
  try {
    const url = new URL(`${h.gh.baseUrl}/acme/demo.git`);
    url.username = "x-access-token";
    url.password = h.gh.installationToken();
    await run("git", ["clone", "-q", url.toString(), dir]);
    await run("git", ["-C", dir, "checkout", "-q", "-b", "floor"]);
    const git = (...args: string[]) => run("git", ["-C", dir, "-c", "user.name=b", "-c", "user.email=b@e", ...args]);
    const started = performance.now();
    for (let i = 1; i <= n; i++) {
      await writeFile(join(dir, `part${i}.ts`), `export const part${i} = ${i};\n`);
      await git("add", "-A");
      await git("commit", "-q", "-m", `part ${i}`);
      await git("push", "-q", "origin", "floor");
    }
    return (performance.now() - started) / n;
  } finally {
    await rm(dir, { recursive: true, force: true });
    await closeQuietly(h);
  }
}

const rows: Array<{ size: number; app: number; steady: number; floor: number; tokens: number; naive: number }> = [];
for (const size of sizes) {
  const files = repoFiles(size);
  const floor = await gitFloor(files);
  const app = await appPerInstruction(files);
  const naive = countText(
    Object.entries(files)
      .map(([p, c]) => `${p}\n${c}`)
      .join("\n"),
  );
  rows.push({ size, app: app.msPerInstruction, steady: app.steadyMs, floor, tokens: app.promptTokens, naive });
}
console.log(`orchestration per instruction (${n} instructions, LLM scripted, CI off, GitHub pacing off):`);
for (const r of rows) {
  console.log(
    `  ${String(r.size).padStart(6)} files: git commit && push ${r.floor.toFixed(0).padStart(4)} ms; app, one instruction after another ${r.steady.toFixed(0).padStart(5)} ms (×${(r.steady / r.floor).toFixed(1)})` +
      `, whole run / ${n} ${r.app.toFixed(0).padStart(5)} ms (×${(r.app / r.floor).toFixed(1)})` +
      `; prompt ${r.tokens.toFixed(0)} tokens per instruction vs whole repository ${r.naive} (×${(r.tokens / r.naive).toFixed(3)})`,
  );
}
if (rows.length > 1) {
  const [a, b] = [rows[0]!, rows.at(-1)!];
  console.log(
    `  growth ${a.size} → ${b.size} files: app one instruction after another ×${(b.steady / a.steady).toFixed(2)}, whole run ×${(b.app / a.app).toFixed(2)}, git floor ×${(b.floor / a.floor).toFixed(2)}`,
  );
}
