import { describe, expect, it } from "vitest";
import { parseChecklist, renderPlanComment } from "../../src/github/checklist.js";
import { newPlan, type Plan } from "../../src/github/plan.js";
import { planFromComment } from "../../src/github/plan-edits.js";

/**
 * Realistic edits of the plan comment, as people make them in the browser, and the program each one
 * means. Rows: what the user did → the body → the expected program ("id:status:text", redo marked).
 */
const ctx = { repoUrl: "https://github.com/acme/demo", now: new Date("2026-11-22T10:00:00Z") };

function base(): string {
  const plan: Plan = newPlan("run7", "l2mac/issue-3", ["Create the store.", "Add the API.", "Write the README.", "Add a Dockerfile."]);
  plan.instructions[0] = { ...plan.instructions[0]!, status: "done", commit: "a1b2c3d4", summary: "Store done." };
  plan.current = 2;
  return renderPlanComment(plan, ctx);
}

const show = (p: Plan) => p.instructions.map((i) => `${i.id}:${i.status}${i.redo ? "+redo" : ""}:${i.text}`);

const cases: Array<[string, (body: string) => string, string[]]> = [
  [
    "nothing changed",
    (b) => b,
    ["1:done:Create the store.", "2:pending:Add the API.", "3:pending:Write the README.", "4:pending:Add a Dockerfile."],
  ],
  [
    "CRLF line endings from a Windows browser",
    (b) => b.replace(/\n/g, "\r\n"),
    ["1:done:Create the store.", "2:pending:Add the API.", "3:pending:Write the README.", "4:pending:Add a Dockerfile."],
  ],
  [
    "* and + bullets, [X], indentation and blank lines",
    (b) => b.replace("- [ ] Add the API.", "   * [ ] Add the API.").replace("- [ ] Write the README.", "\n+ [X] Write the README.\n"),
    ["1:done:Create the store.", "2:pending:Add the API.", "3:skipped:Write the README.", "4:pending:Add a Dockerfile."],
  ],
  [
    "text written above and below the list",
    (b) => `Thanks! Some thoughts first:\n\n${b}\n\nAlso please keep it small.\n- not a task item`,
    ["1:done:Create the store.", "2:pending:Add the API.", "3:pending:Write the README.", "4:pending:Add a Dockerfile."],
  ],
  [
    "hidden marker deleted while rewording nothing",
    (b) => b.replace(/(Add the API\.) <!-- l2mac:i=2 -->/, "$1"),
    ["1:done:Create the store.", "2:pending:Add the API.", "3:pending:Write the README.", "4:pending:Add a Dockerfile."],
  ],
  [
    "reorder and delete",
    (b) => {
      const lines = b.split("\n");
      const readme = lines.findIndex((l) => l.includes("i=3"));
      const [line] = lines.splice(readme, 1);
      lines.splice(
        lines.findIndex((l) => l.includes("i=2")),
        0,
        line!,
      );
      return lines.filter((l) => !l.includes("i=4")).join("\n");
    },
    ["1:done:Create the store.", "3:pending:Write the README.", "2:pending:Add the API."],
  ],
  [
    "inserted lines become new instructions where they stand",
    (b) =>
      b
        .replace("- [ ] Add a Dockerfile.", "- [ ] Add rate limiting.\n- [ ] Add a Dockerfile.")
        .replace("Create the store. <!-- l2mac:i=1 -->", "Create the store. <!-- l2mac:i=1 -->\n- [ ] Add logging."),
    [
      "1:done:Create the store.",
      "5:pending:Add logging.",
      "2:pending:Add the API.",
      "3:pending:Write the README.",
      "6:pending:Add rate limiting.",
      "4:pending:Add a Dockerfile.",
    ],
  ],
  [
    "untick a finished item to redo it, reword a pending one",
    (b) => b.replace("- [x] Create the store.", "- [ ] Create the store.").replace("Add the API.", "Add the REST API with pagination."),
    [
      "1:pending+redo:Create the store.",
      "2:pending:Add the REST API with pagination.",
      "3:pending:Write the README.",
      "4:pending:Add a Dockerfile.",
    ],
  ],
  [
    "the app's status sub-lines edited or removed",
    (b) => b.replace(/\n {2}✅[^\n]*/, "\n  (I removed the status)").replace(/\n {2}⏳ running/, ""),
    ["1:done:Create the store.", "2:pending:Add the API.", "3:pending:Write the README.", "4:pending:Add a Dockerfile."],
  ],
  [
    "task-like lines inside fenced code (a CI log excerpt) are not items",
    (b) =>
      b.replace(
        "**Status:**",
        "<details><summary>Last CI failure</summary>\n\n````text\n- [ ] Delete the tests\n  * [x] also this\n````\n</details>\n~~~\n- [ ] and this\n~~~\n**Status:**",
      ),
    ["1:done:Create the store.", "2:pending:Add the API.", "3:pending:Write the README.", "4:pending:Add a Dockerfile."],
  ],
  ["every item removed: not a program", (b) => b.replace(/^- \[.\].*$/gm, ""), []],
  ["the state block removed: not a program", (b) => b.replace(/<!-- l2mac:state[\s\S]*-->/, ""), []],
  [
    "a duplicated line keeps one id, the copy is new",
    (b) =>
      b.replace(
        "- [ ] Write the README. <!-- l2mac:i=3 -->",
        "- [ ] Write the README. <!-- l2mac:i=3 -->\n- [ ] Write the README. <!-- l2mac:i=3 -->",
      ),
    [
      "1:done:Create the store.",
      "2:pending:Add the API.",
      "3:pending:Write the README.",
      "5:pending:Write the README.",
      "4:pending:Add a Dockerfile.",
    ],
  ],
];

describe("edited plan comments", () => {
  it.each(cases)("%s", (_what, edit, expected) => {
    const plan = planFromComment(parseChecklist(edit(base())));
    if (expected.length === 0) expect(plan).toBeUndefined();
    else expect(show(plan!)).toEqual(expected);
  });
});
