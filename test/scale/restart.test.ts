import { describe, expect, it } from "vitest";
import { instructionStarts, planPhase, taskAgent, type Cluster } from "../support/cluster.js";
import { useCluster } from "../support/scenario.js";
import { eventually, type AppProcess } from "../support/processes.js";
import { instructionText, kindOf } from "../support/scripted-agent.js";
import type { RecordedRequest } from "../support/scripted-llm-server.js";

const REPO = "acme/demo";

const clusters = useCluster();

const instructionCommits = async (c: Cluster, issue: number) =>
  (await c.gh.log(REPO, `l2mac/issue-${issue}`)).map((commit) => commit.message).filter((m) => /L2MAC-Instruction/.test(m));

const act = (r: RecordedRequest, file: string) => kindOf(r) === "act" && instructionText(r).includes(file);

/**
 * Starts the server as a process, labels an issue, and sends `signal` to the server at the first LLM
 * request that `when` matches (that request never gets an answer). Resolves once the server is gone.
 */
async function interruptServer(signal: NodeJS.Signals, when: (r: RecordedRequest) => boolean) {
  const server: { process?: AppProcess } = {};
  let sent = false;
  const c = await clusters.start({
    llm: taskAgent({
      onRequest: (r) => {
        if (sent || !when(r)) return undefined;
        sent = true;
        server.process!.kill(signal);
        return { hang: true };
      },
    }),
  });
  server.process = c.spawn("server");
  await server.process.waitFor(/Listening on/);
  const issue = c.gh.createIssue(REPO, { title: "Task 1", body: "Write the files for task 1." }).number;
  await c.label(issue);
  await eventually(() => sent, 30_000, `the server to get ${signal}`);
  return { c, issue, exitCode: await server.process.exited };
}

describe("default mode (no Redis): restarts", () => {
  it("resumes a run by itself after the server is killed mid-instruction and started again", async () => {
    const { c, issue } = await interruptServer("SIGKILL", (r) => act(r, "task-1-b.txt"));
    expect(planPhase(c.gh, REPO, issue)).toBe("running");

    // No webhook arrives after the restart: the start-up scan has to find the run.
    const restarted = c.spawn("server");
    await eventually(() => planPhase(c.gh, REPO, issue) === "done", 60_000, "the run to finish after the restart");
    expect(restarted.output).toMatch(/resumed interrupted runs/);
    const commits = await instructionCommits(c, issue);
    expect(commits.map((m) => /L2MAC-Instruction: (\d)/.exec(m)?.[1]).sort()).toEqual(["1", "2"]);
    expect(instructionStarts(c.llm.requests).get("out/task-1-a.txt")).toBe(1);
    expect(c.gh.pulls(REPO)).toHaveLength(1);
  });

  it("on SIGTERM keeps the work in a partial commit, says the run will resume, and resumes after a restart", async () => {
    // The agent has written its file for instruction 2 and is asked to go on: then the server is told to stop.
    const wroteAlready = (r: RecordedRequest) => r.body.messages.some((m: { role: string }) => m.role === "tool");
    const { c, issue, exitCode } = await interruptServer("SIGTERM", (r) => act(r, "task-1-b.txt") && wroteAlready(r));
    expect(exitCode).toBe(0);

    const comment = c.gh.issue(REPO, issue).comments.find((x) => x.body.includes("<!-- l2mac:program -->"))!.body;
    expect(comment).toContain("**Status:** running (interrupted because the worker shut down; it will resume)");
    const partial = (await c.gh.log(REPO, `l2mac/issue-${issue}`))[0]!;
    expect(partial.message).toMatch(/\(partial\)/);
    expect(await c.gh.readFile(REPO, `l2mac/issue-${issue}`, "out/task-1-b.txt")).toBe("out/task-1-b.txt\n");

    c.spawn("server");
    await eventually(() => planPhase(c.gh, REPO, issue) === "done", 60_000, "the run to finish after the restart");
    expect(c.gh.pulls(REPO)).toHaveLength(1);
  });
});
