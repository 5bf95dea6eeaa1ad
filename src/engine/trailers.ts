/**
 * The trailers under every commit L2MAC makes: which run and instruction the commit is, whether it only
 * keeps the work of an instruction that stopped early (partial), and which CI fix attempt it is. A run
 * that restarts finds its finished instructions by them, on the local workspace and on the GitHub branch.
 */
export const RUN_TRAILER = "L2MAC-Run";
export const INSTRUCTION_TRAILER = "L2MAC-Instruction";
export const PARTIAL_TRAILER = "L2MAC-Partial";
export const ATTEMPT_TRAILER = "L2MAC-Attempt";

/** The trailers of an instruction's commit, with any extra ones after them. */
export const instructionTrailers = (runId: string, instructionId: number, extra: Record<string, string> = {}): Record<string, string> => ({
  [RUN_TRAILER]: runId,
  [INSTRUCTION_TRAILER]: String(instructionId),
  ...extra,
});

/** The block that ends a commit message. */
export const trailerBlock = (trailers: Record<string, string>): string =>
  Object.entries(trailers)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\n");

/** A trailer's value in a commit message: the last such line, since a summary the model wrote comes before the trailers. */
const trailerValue = (message: string, key: string): string | undefined =>
  [...message.matchAll(new RegExp(`^${key}: (.+)$`, "gm"))].at(-1)?.[1]?.trim();

/** The instruction a commit message completes for `runId`; undefined for another run's commit or a partial one. */
export function completedInstruction(message: string, runId: string): number | undefined {
  if (trailerValue(message, RUN_TRAILER) !== runId || trailerValue(message, PARTIAL_TRAILER)) return undefined;
  const id = Number(trailerValue(message, INSTRUCTION_TRAILER));
  return Number.isInteger(id) ? id : undefined;
}
