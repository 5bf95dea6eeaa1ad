import { randomBytes } from "node:crypto";
import { z } from "zod";
import { UsageSchema, zeroUsage } from "./usage.js";

/**
 * The prompt program: L2MAC's instruction registry. Ids are stable so an instruction can be followed
 * through rewording and reordering (the GitHub checklist carries them as hidden markers).
 */

export const DomainSchema = z.enum(["codebase", "book"]);
export type Domain = z.infer<typeof DomainSchema>;

export const InstructionStatusSchema = z.enum(["pending", "done", "skipped"]);
export type InstructionStatus = z.infer<typeof InstructionStatusSchema>;

export const InstructionSchema = z.object({
  id: z.number().int().positive(),
  text: z.string().trim().min(1),
  status: InstructionStatusSchema,
  summary: z.string().optional(),
  commit: z.string().optional(),
  usage: UsageSchema.optional(),
  /** Set when a finished instruction is sent round again: the agent is told its files already exist. */
  redo: z.boolean().optional(),
});
export type Instruction = z.infer<typeof InstructionSchema>;

export const RunStatusSchema = z.enum(["planning", "running", "paused", "failed", "done"]);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const ProgramSchema = z.object({
  version: z.literal(1),
  runId: z.string().min(1),
  task: z.string(),
  domain: DomainSchema,
  instructions: z.array(InstructionSchema),
  usage: UsageSchema,
  status: RunStatusSchema,
  /** Why the run is paused or failed, in words for the user. */
  reason: z.string().optional(),
});
export type Program = z.infer<typeof ProgramSchema>;

export const newRunId = (): string => randomBytes(6).toString("hex");

export function createProgram(task: string, domain: Domain, steps: readonly string[], runId = newRunId()): Program {
  return {
    version: 1,
    runId,
    task,
    domain,
    instructions: steps.map((text, i) => ({ id: i + 1, text, status: "pending" as const })),
    usage: zeroUsage(),
    status: "running",
  };
}

/** The program counter: the first instruction still to run, in list order. */
export function nextInstruction(program: Program): Instruction | undefined {
  return program.instructions.find((i) => i.status === "pending");
}

/** Anything that holds a prompt program: the local Program, the GitHub side's Plan. */
type HasInstructions<I extends Instruction> = { instructions: I[] };

export const position = (program: HasInstructions<Instruction>, id: number): number =>
  program.instructions.findIndex((i) => i.id === id) + 1;

export function updateInstruction<I extends Instruction, P extends HasInstructions<I>>(
  program: P,
  id: number,
  patch: Partial<Omit<I, "id">>,
): P {
  return { ...program, instructions: program.instructions.map((i) => (i.id === id ? { ...i, ...patch } : i)) };
}

/** Summaries of the finished instructions before `id`, in order: the memory carried between agents. */
export function earlierSummaries(program: HasInstructions<Instruction>, id: number): string[] {
  const out: string[] = [];
  for (const i of program.instructions) {
    if (i.id === id) break;
    if (i.status === "done" && i.summary) out.push(i.summary);
  }
  return out;
}
