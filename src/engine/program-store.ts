import type { Program } from "./program.js";

/** Where the program lives between instructions: `.l2mac/program.json` locally, the plan comment on GitHub. */
export interface ProgramStore {
  load(): Promise<Program | undefined>;
  save(program: Program): Promise<void>;
}

export class MemoryProgramStore implements ProgramStore {
  constructor(private program?: Program) {}
  async load(): Promise<Program | undefined> {
    return this.program && structuredClone(this.program);
  }
  async save(program: Program): Promise<void> {
    this.program = structuredClone(program);
  }
}
