import { describe, expect, it } from "vitest";
import { REPO } from "../support/app-harness.js";
import { useHarness } from "../support/scenario.js";

const app = useHarness();

/** pino's debug level, as the harness's log lines carry it. */
const debugLines = (lines: string[]) => lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 20);

describe("an event that does nothing says why, at debug level", () => {
  it("logs the reason of each skipped event and does nothing else", async () => {
    const h = await app.start({ llm: () => ({ content: "unused" }) });
    const issue = h.gh.createIssue(REPO, { title: "Notes", body: "Write some notes." });
    await h.label(issue.number, { label: "bug" });
    await h.command(issue.number, "Looks good to me.");
    await h.command(issue.number, "/l2mac continue");
    await h.editIssue(issue.number, { title: "Notes, please" });
    await h.idle();
    const said = debugLines(h.logLines).map((l) => l.msg);
    expect(said).toContain("nothing to do: the label is not `l2mac`");
    expect(said).toContain("nothing to do: the comment is not an L2MAC command");
    expect(said).toContain("nothing to do: no L2MAC run on this issue");
    expect(said).toContain("nothing to do: the issue does not carry the L2MAC label");
    expect(h.llm.requests).toHaveLength(0);
  });
});
