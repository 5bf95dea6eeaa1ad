import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { ProgramSchema, type Program } from "../engine/program.js";
import type { ProgramStore } from "../engine/program-store.js";

/** The program stored as `.l2mac/program.json`: what `--resume` continues from. */
export class ProgramFile implements ProgramStore {
  constructor(readonly path: string) {}

  async load(): Promise<Program | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`${this.path} is not valid JSON: ${(e as Error).message}`);
    }
    const parsed = ProgramSchema.safeParse(json);
    if (!parsed.success) throw new Error(`${this.path} is not an L2MAC program:\n${z.prettifyError(parsed.error)}`);
    return parsed.data;
  }

  async save(program: Program): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    // Write then rename, so a crash never leaves half a program behind.
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(program, null, 2)}\n`);
    await rename(tmp, this.path);
  }
}
