import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { builtInTasks, resolveTask, taskPrompt } from "../../src/eval/task.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-tasks-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("benchmark tasks", () => {
  it("ships the paper's six system-design tasks with 17, 21, 19, 20, 28 and 14 features, in the paper's order", async () => {
    const tasks = await builtInTasks();
    expect(tasks.map((t) => [t.id, t.features.length])).toEqual([
      ["url_shortener", 17],
      ["microblogging", 21],
      ["chat_app", 19],
      ["recipe", 20],
      ["event_planner", 28],
      ["finance_tracker", 14],
    ]);
    for (const t of tasks) {
      expect(t.language).toBe("python");
      expect(t.paper?.features_percent?.mean).toBeGreaterThan(50);
      expect(t.paper?.loc?.mean).toBeGreaterThan(300);
      expect(new Set(t.features).size).toBe(t.features.length);
    }
  });

  it("finds a built-in task by its id or the research code's name for it", async () => {
    expect((await resolveTask("url_shortener")).title).toBe("URL shortener");
    expect((await resolveTask("twitter")).id).toBe("microblogging");
    expect((await resolveTask("WhatsApp")).id).toBe("chat_app");
    expect((await resolveTask("eventplanner")).id).toBe("event_planner");
    await expect(resolveTask("dropbox")).rejects.toThrow(
      /no built-in task of that name and no such file\. Built-in tasks: url_shortener, microblogging/,
    );
  });

  it("gives the coder the summary and every feature, numbered", async () => {
    const task = await resolveTask("finance_tracker");
    const prompt = taskPrompt(task);
    expect(prompt.startsWith("Personal-finance tracker\n\nBuild an application for managing one's own money")).toBe(true);
    task.features.forEach((f, i) => expect(prompt).toContain(`\n${i + 1}. ${f}`));
  });

  it("reads a user's task file with its own checklist and test command", async () => {
    const file = join(dir, "todo.yml");
    await writeFile(
      file,
      [
        "id: todo",
        "title: To-do list",
        "language: JavaScript",
        "summary: A small to-do service.",
        "features:",
        "  - Add an item.",
        "  - Tick an item off.",
        "tests:",
        "  command: npx vitest run --reporter=junit --outputFile={junit}",
      ].join("\n"),
    );
    const task = await resolveTask(file);
    expect(task).toMatchObject({ id: "todo", language: "javascript", features: ["Add an item.", "Tick an item off."], aliases: [] });
    expect(task.paper).toBeUndefined();
  });

  it("names what is wrong with an invalid task file", async () => {
    const file = join(dir, "bad.yml");
    await writeFile(file, "id: Bad Id\ntitle: x\nsummary: y\nfeatures: []\ntests:\n  command: pytest\nextra: 1\n");
    const error = await resolveTask(file).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(`The task file ${file} is not a valid task`);
    expect(message).toMatch(/id[\s\S]*lower-case/);
    expect(message).toMatch(/features/);
    expect(message).toContain("must write its JUnit XML report to {junit}");
    expect(message).toMatch(/extra/);
    await writeFile(file, "features: [unclosed");
    await expect(resolveTask(file)).rejects.toThrow(/is not valid YAML/);
  });
});
