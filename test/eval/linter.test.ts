import { spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lint } from "../../src/eval/linter.js";

const hasPylint = ["pylint", "python3 -m pylint"].some((c) => spawnSync("sh", ["-c", `${c} --version`]).status === 0);
if (!hasPylint) console.warn("⚠ real-pylint tests of l2mac eval skipped: pylint is not installed (apt-get install pylint).");

let dir: string;
const PATH = process.env.PATH;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-lint-"));
});
afterEach(async () => {
  process.env.PATH = PATH;
  await rm(dir, { recursive: true, force: true });
});

async function files(entries: Record<string, string>): Promise<string[]> {
  for (const [path, text] of Object.entries(entries)) await writeFile(join(dir, path), text);
  return Object.keys(entries);
}

/** A stand-in program on PATH: prints `output`, records its arguments. */
async function fakeProgram(name: string, script: string): Promise<string> {
  const bin = join(dir, "bin");
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, name), `#!/bin/sh\n${script}\n`);
  await chmod(join(bin, name), 0o755);
  return bin;
}

describe("the language's linter", () => {
  it.skipIf(!hasPylint)(
    "counts pylint -E errors, with import errors off as the paper did",
    async () => {
      const paths = await files({
        "app.py": "import flask_missing_dependency\n\n\ndef handler():\n    return undefined_name\n",
        "ok.py": "def add(a, b):\n    return a + b\n",
        "README.md": "# not Python\n",
      });
      const outcome = await lint("python", dir, paths);
      expect(outcome).toMatchObject({ tool: "pylint -E", errors: 1 });
      expect("messages" in outcome && outcome.messages[0]).toMatch(/^app\.py:5:\d+: E0602: Undefined variable 'undefined_name'/);
    },
    60_000,
  );

  it.skipIf(!hasPylint)(
    "does not read a pylintrc the generated code brought, which could load a plugin from it",
    async () => {
      const marker = join(dir, "plugin-ran");
      const paths = await files({
        ".pylintrc": '[MASTER]\nload-plugins=evil_plugin\ninit-hook=\'open("init-hook-ran", "w")\'\n',
        "evil_plugin.py": `open(${JSON.stringify(marker)}, "w").write("ran")\n\ndef register(linter):\n    pass\n`,
        "app.py": "x = 1\n",
      });
      expect(await lint("python", dir, paths)).toMatchObject({ errors: 0 });
      await expect(stat(marker)).rejects.toThrow();
      await expect(stat(join(dir, "init-hook-ran"))).rejects.toThrow();
    },
    60_000,
  );

  it("asks pylint for errors only, without the workspace's configuration, and counts only E lines", async () => {
    const log = join(dir, "args.txt");
    const bin = await fakeProgram(
      "pylint",
      `[ "$1" = "--version" ] && exit 0\nprintf '%s\\n' "$@" > ${log}\necho 'app.py:3:0: E0602: Undefined variable x (undefined-variable)'\necho 'app.py:4:0: W0611: Unused import os (unused-import)'\necho 'b.py:1:4: E1101: Module has no member (no-member)'\nexit 2`,
    );
    process.env.PATH = `${bin}:${PATH}`;
    const outcome = await lint("python", dir, await files({ "app.py": "x\n", "b.py": "y\n", "notes.txt": "z\n" }));
    expect(outcome).toMatchObject({ tool: "pylint -E", errors: 2 });
    const args = (await readFile(log, "utf8")).trim().split("\n");
    expect(args).toEqual(expect.arrayContaining(["--disable=all", "--enable=E", "--disable=E0401", "--score=no"]));
    expect(args.find((a) => a.startsWith("--rcfile="))).toBeDefined();
    expect(args.slice(args.indexOf("--") + 1)).toEqual(["app.py", "b.py"]);
  });

  it("reports the linter as not run, rather than zero errors, when it is missing or there is none", async () => {
    process.env.PATH = await fakeProgram("python3", "exit 1");
    expect(await lint("python", dir, await files({ "app.py": "x = 1\n" }))).toEqual({ skipped: "pylint is not installed" });
    process.env.PATH = PATH;
    expect(await lint("python", dir, ["README.md"])).toEqual({ skipped: "no Python files" });
    expect(await lint("rust", dir, ["main.rs"])).toEqual({ skipped: "no linter is known for rust" });
  });
});
