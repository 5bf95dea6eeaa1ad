import { spawn } from "node:child_process";
import { splitLines } from "./file-lines.js";
import type { SearchMatch, SearchQuery, SearchResult } from "./file-store.js";
import { PathError, type PathDenial } from "./paths.js";

/** Longest matching line shown, in bytes. */
const MAX_MATCH_LINE_BYTES = 300;
/** Past this many matching lines counting stops: the answer is "more than". */
const MAX_COUNTED = 20_000;
const TIMEOUT_MS = 30_000;
const GLOB = /[*?[]/;

export interface GrepOptions {
  /** Where git runs: the store's root. */
  cwd: string;
  /** `--untracked` in a repository (what is tracked or would be), `--no-index` in a plain directory. */
  scope: "repository" | "directory";
  /** Paths the model may not see: their matches are dropped. */
  hidden?: PathDenial;
}

/** Only what git needs to run: the server's secrets and the caller's GIT_* variables stay out of the child. */
function grepEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0", GIT_CONFIG_NOSYSTEM: "1" };
  for (const key of ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"]) if (process.env[key] !== undefined) env[key] = process.env[key];
  return env;
}

/**
 * The pathspec for a directory or a glob, always with explicit magic so nothing the model wrote is read as
 * git's own (`:(top)`, `:(exclude)`): a directory literally, a glob as a path (a bare `*.ts` at any depth).
 */
const pathspec = (under: string): string =>
  GLOB.test(under) ? `:(glob)${under.includes("/") ? under : `**/${under}`}` : `:(literal)${under}`;

function grepArgs(query: SearchQuery, scope: GrepOptions["scope"]): string[] {
  return [
    // Nothing in the working copy may make git run a program (fsmonitor); paths come out as they are.
    ...["-c", "core.fsmonitor=false", "-c", "core.quotePath=false", "grep"],
    ...(scope === "repository" ? ["--untracked"] : ["--no-index", "--no-exclude-standard"]),
    ...["-n", "-I", "-z", "--no-color", "--full-name"],
    query.regex ? "-E" : "-F",
    ...(query.caseSensitive ? [] : ["-i"]),
    ...["-e", query.pattern, "--"],
    ...(query.under ? [pathspec(query.under)] : []),
  ];
}

/**
 * Runs `git grep` over the working copy: git's own walk and matcher, not one in JavaScript. Lines are read
 * as a stream and cut, so a huge match or millions of them cost bounded memory; past a count git is stopped.
 */
export async function gitGrep(query: SearchQuery, options: GrepOptions): Promise<SearchResult> {
  const child = spawn("git", grepArgs(query, options.scope), {
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: grepEnv(),
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    if (stderr.length < 2000) stderr += d.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
  const matches: SearchMatch[] = [];
  let total = 0;
  let counted = true;
  // A piece without a NUL starts a file name holding a newline (or one too long to show): the next piece may
  // end that name, and read as a match it would name a path that is not there (`src/app.ts:1: forged`).
  let nameBroken = false;
  try {
    for await (const line of splitLines(child.stdout, MAX_MATCH_LINE_BYTES)) {
      const broken = nameBroken;
      nameBroken = !line.text.includes("\0");
      const match = parseLine(line.text, line.cut);
      if (broken || !match || options.hidden?.(match.path)) continue;
      total++;
      if (matches.length < query.maxMatches) matches.push(match);
      if (total >= MAX_COUNTED) {
        counted = false;
        child.kill("SIGKILL");
        break;
      }
    }
    const code = await exited;
    if (counted && code !== 0 && code !== 1) throw grepError(stderr, code);
  } finally {
    clearTimeout(timer);
  }
  return { matches, total, counted };
}

/** `path\0line\0text`; a cut line may have lost its text but keeps its path and number. */
function parseLine(raw: string, cut: boolean): SearchMatch | undefined {
  const first = raw.indexOf("\0");
  const second = raw.indexOf("\0", first + 1);
  if (first <= 0 || second === -1) return undefined;
  const line = Number(raw.slice(first + 1, second));
  if (!Number.isInteger(line)) return undefined;
  return { path: raw.slice(0, first), line, text: raw.slice(second + 1), cut };
}

function grepError(stderr: string, code: number | null): Error {
  const said =
    stderr
      .replace(/^fatal:\s*/m, "")
      .trim()
      .split("\n")[0] ?? "";
  if (code === null)
    return new PathError("The search took too long and was stopped; search a smaller directory or a more specific pattern.");
  // git names the pattern's problem ("Unmatched ( or \\(", "Invalid preceding regular expression").
  if (/-e option|regex|regular expression|unmatched|invalid/i.test(said))
    return new PathError(`The pattern is not a valid extended regular expression: ${said.replace(/^-e option, /, "")}`);
  return new Error(`git grep failed (exit ${code}): ${said}`);
}
