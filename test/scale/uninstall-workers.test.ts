import { describe, expect, it } from "vitest";
import { taskAgent, type Cluster } from "../support/cluster.js";
import { kindOf, instructionText } from "../support/scripted-agent.js";
import { useCluster } from "../support/scenario.js";
import { reachableRedis } from "../support/processes.js";

const REPO = "acme/demo";
const redisUrl = await reachableRedis();
const clusters = useCluster();

describe.skipIf(!redisUrl)("the app removed while a worker process runs", () => {
  it("stops the worker's run mid-turn when the server hears installation.deleted, and ends it quietly", async () => {
    // The holder lets the LLM script reach the cluster it belongs to.
    const holder: { c?: Cluster } = {};
    let removedAtRequest = -1;
    const c = await clusters.start({
      redisUrl,
      llm: taskAgent({
        onRequest: async (r) => {
          if (removedAtRequest >= 0 || kindOf(r) !== "act" || !instructionText(r).includes("task-1-a.txt")) return undefined;
          const cluster = holder.c!;
          removedAtRequest = cluster.llm.requests.length;
          await cluster.deliver("installation", cluster.gh.uninstall());
          // Only the worker's abort ends this turn: the LLM never answers it.
          return { hang: true };
        },
      }),
    });
    holder.c = c;
    await c.startServerHere();
    const worker = c.spawn("worker", { L2MAC_WORKER_CONCURRENCY: "1" });
    await worker.waitFor(/worker started/);
    const issue = c.gh.createIssue(REPO, { title: "Task 1", body: "Write the files for task 1." }).number;
    await c.label(issue);
    await worker.waitFor(/run ended: the app was uninstalled/, 30_000);
    expect(removedAtRequest).toBeGreaterThan(0);
    // Nothing more was asked of the LLM, and nothing was logged as an error.
    await new Promise((r) => setTimeout(r, 1000));
    expect(c.llm.requests.length).toBe(removedAtRequest);
    expect(worker.output).not.toMatch(/"level":(50|60)/);
    expect(c.gh.pulls(REPO)).toHaveLength(0);
  });
});
