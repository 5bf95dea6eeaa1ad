import type { FileStore } from "./file-store.js";
import { countText } from "./token-counter.js";
import { fenceFor } from "./tools/view.js";
import { renderListing } from "./tools/listing.js";

/**
 * What an agent learns of an existing repository before it acts: the repository's own instruction files
 * for agents (every request), and for planning also a listing and the start of its README. Each part is
 * bounded by tokens, and a cut is marked where it happens.
 */

/** The instruction files peers honour, in the order they are given room. */
export const INSTRUCTION_FILES = ["AGENTS.md", "CLAUDE.md", ".github/copilot-instructions.md", "CONTRIBUTING.md"] as const;
const READMES = ["README.md", "README.rst", "README.txt", "README"];
const MAX_LINE_BYTES = 2000;

export interface InstructionFiles {
  /** The files' text, each fenced under its name; "" when there are none. */
  text: string;
  /** The files that exist and were read (cut or whole). */
  loaded: string[];
}

const longestBacktickRun = (text: string): number => Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));

/**
 * The start of one text file within `budget` tokens, counting the fence it will be shown in (a fence grows
 * with the longest run of backticks kept) and the cut marker; undefined when it does not exist or is binary.
 */
async function excerpt(store: FileStore, path: string, budget: number): Promise<{ text: string; cut: boolean } | undefined> {
  try {
    const info = await store.stat(path);
    if (!info || info.binary) return undefined;
    const marker = `\n[… ${path} was cut here: the rest does not fit the share of the context it may take]`;
    const room = budget - countText(marker) - countText(`${path}:\n\n\n`);
    const kept: string[] = [];
    let used = 0;
    let run = 2;
    let cut = false;
    for await (const line of store.lines(path, MAX_LINE_BYTES)) {
      const lineRun = Math.max(run, longestBacktickRun(line.text));
      const cost = countText(line.text) + 1;
      const fence = 2 * countText("`".repeat(lineRun + 1));
      if (used + cost + fence > room || line.cut) {
        cut = true;
        if (used + cost + fence <= room) kept.push(line.text);
        break;
      }
      kept.push(line.text);
      used += cost;
      run = lineRun;
    }
    return { text: kept.join("\n").trimEnd() + (cut ? marker : ""), cut };
  } catch {
    // A file that cannot be read (a link outside the store, a directory by that name) is not an instruction file.
    return undefined;
  }
}

const fenced = (path: string, text: string): string => {
  const fence = fenceFor(text);
  return `${path}:\n${fence}\n${text}\n${fence}`;
};

/** The instruction files that exist, within `budget` tokens in all: each gets an even share of what is left. */
export async function readInstructionFiles(store: FileStore, budget: number): Promise<InstructionFiles> {
  const present: string[] = [];
  for (const path of INSTRUCTION_FILES) if (await store.stat(path).catch(() => undefined)) present.push(path);
  const parts: string[] = [];
  const loaded: string[] = [];
  let left = budget;
  for (const [i, path] of present.entries()) {
    const share = Math.floor(left / (present.length - i)) - 20;
    if (share < 20) break;
    const got = await excerpt(store, path, share);
    if (!got) continue;
    const part = fenced(path, got.text);
    parts.push(part);
    loaded.push(path);
    left -= countText(part);
  }
  return { text: parts.join("\n\n"), loaded };
}

/** The rules of the repository as an agent's request carries them; "" when it has no instruction files. */
export function instructionFilesSection(files: InstructionFiles): string {
  if (files.loaded.length === 0) return "";
  return (
    `The repository's own instructions for agents (from ${files.loaded.join(", ")}). Follow them as repository rules ` +
    "in everything you do here; where one conflicts with the rules of your system prompt, the system prompt wins.\n\n" +
    files.text
  );
}

export interface PlanningContext {
  /** The section the planning request carries about the existing repository. */
  text: string;
  instructionFiles: string[];
}

/** Shares of the planning budget: the listing, the README excerpt and the instruction files. */
const PLAN_LISTING = { share: 0.25, max: 6000 };
const PLAN_README = { share: 0.05, max: 1000 };
const PLAN_INSTRUCTIONS = { share: 0.1, max: 3000 };
const part = (budget: number, p: { share: number; max: number }): number => Math.min(p.max, Math.floor(budget * p.share));

// What a repository created on GitHub starts with: a repository of only these has no code to change yet.
const STARTER_NAMES = "readme|licen[cs]e|copying|changelog|contributing|agents|claude|code_of_conduct|security";
const STARTER_FILE = new RegExp(`^(?:(?:${STARTER_NAMES})(?:\\.[a-z]+)?|\\.gitignore|\\.gitattributes|\\.editorconfig|\\.github/.*)$`, "i");

/**
 * What the planner is told of the repository it changes. A repository without code (nothing, or only a
 * README, a licence and the like) is planned as a new project, as before: then only its instruction
 * files, if any, are given, and undefined when it has none.
 */
export async function planningContext(store: FileStore, budget: number): Promise<PlanningContext | undefined> {
  const paths = await store.list();
  if (!paths.some((p) => !STARTER_FILE.test(p))) {
    const instructions = await readInstructionFiles(store, part(budget, PLAN_INSTRUCTIONS));
    if (instructions.loaded.length === 0) return undefined;
    return { text: instructionFilesSection(instructions), instructionFiles: instructions.loaded };
  }
  const sections = [
    "This task changes an existing repository. Plan changes to its code, not a new project: keep what works, " +
      "follow its language, layout and conventions, and do not rewrite files or add scaffolding (a new README, " +
      "manifest or layout) the task does not ask for. In every step, name the existing files it reads or changes " +
      "and any new file it adds, so its agent can find them.",
    `The repository's files (large directories are collapsed to counts):\n${renderListing(paths, part(budget, PLAN_LISTING))}`,
  ];
  const readme = READMES.find((r) => paths.includes(r));
  const readmeText = readme ? await excerpt(store, readme, part(budget, PLAN_README)) : undefined;
  if (readme && readmeText) sections.push(`The start of its README:\n${fenced(readme, readmeText.text)}`);
  const instructions = await readInstructionFiles(store, part(budget, PLAN_INSTRUCTIONS));
  if (instructions.loaded.length > 0) {
    sections.push(
      `${instructionFilesSection(instructions)}\n\nEvery step's agent gets these instructions too; plan steps that keep to them.`,
    );
  }
  return { text: sections.join("\n\n"), instructionFiles: instructions.loaded };
}
