import type { Instruction, Program } from "./program.js";
import type { Usage } from "./usage.js";

/** What a run reports as it goes: progress displays, transcripts and the GitHub status line listen. */
export type RunEvent =
  /** `instructionFiles`: the repository's instruction files for agents that planning read (AGENTS.md …). */
  | { type: "planned"; steps: string[]; instructionFiles?: string[] }
  /** The task was longer than the model's window allows: only its first `keptTokens` go into prompts. */
  | { type: "task-cut"; tokens: number; keptTokens: number }
  | { type: "instruction-started"; index: number; total: number; instruction: Instruction }
  | { type: "turn"; index: number; total: number; turn: number; usage: Usage }
  | { type: "tool"; name: string; ok: boolean; detail: string }
  | { type: "context-restart"; index: number; restarts: number }
  | { type: "instruction-finished"; index: number; total: number; instruction: Instruction }
  | { type: "run-stopped"; program: Program };

export type RunEventListener = (event: RunEvent) => void;
