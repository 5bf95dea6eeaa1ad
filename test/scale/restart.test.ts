import { afterEach, describe, expect, it } from "vitest";
import { instructionStarts, planPhase, startCluster, taskAgent, type Cluster } from "../support/cluster.js";
import { eventually, type AppProcess } from "../support/processes.js";
import { instructionText, kindOf } from "../support/scripted-agent.js";

const REPO = "acme/demo";

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

const instructionCommits = async (c: Cluster, issue: number) =>
  (await c.gh.log(REPO, `l2mac/issue-${issue}`)).map((commit) => commit.message).filter((m) => /L2MAC-Instruction/.test(m));

describe("default mode (no Redis): restarts", () => {
  it("resumes a run by itself after the server is killed mid-instruction and started again", async () => {
    // Set once the server is spawned; the LLM script reaches it through this holder.
    const server: { process?: AppProcess } = {};
    let killed = false;
    cluster = await startCluster({
      llm: taskAgent({
        onRequest: (r) => {
          if (!killed && kindOf(r) === "act" && instructionText(r).includes("task-1-b.txt")) {
            killed = true;
            server.process!.kill("SIGKILL");
            return { hang: true };
          }
          return undefined;
        },
      }),
    });
    const c = cluster;
    server.process = c.spawn("server");
    await server.process.waitFor(/Listening on/);
    const issue = c.gh.createIssue(REPO, { title: "Task 1", body: "Write the files for task 1." }).number;
    await c.deliver("issues", c.gh.issueLabeledPayload(REPO, issue, "l2mac"));
    await eventually(() => killed, 30_000, "the server to reach instruction 2");
    await server.process.exited;
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
    // Set once the server is spawned; the LLM script reaches it through this holder.
    const server: { process?: AppProcess } = {};
    let terminated = false;
    cluster = await startCluster({
      llm: taskAgent({
        onRequest: (r) => {
          // The agent has written its file for instruction 2 and is asked to go on: the server is told to stop.
          const acted = r.body.messages.some((m: { role: string }) => m.role === "tool");
          if (!terminated && kindOf(r) === "act" && acted && instructionText(r).includes("task-1-b.txt")) {
            terminated = true;
            server.process!.kill("SIGTERM");
            return { hang: true };
          }
          return undefined;
        },
      }),
    });
    const c = cluster;
    server.process = c.spawn("server");
    await server.process.waitFor(/Listening on/);
    const issue = c.gh.createIssue(REPO, { title: "Task 1", body: "Write the files for task 1." }).number;
    await c.deliver("issues", c.gh.issueLabeledPayload(REPO, issue, "l2mac"));
    await eventually(() => terminated, 30_000, "the server to reach instruction 2");
    expect(await server.process.exited).toBe(0);

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
