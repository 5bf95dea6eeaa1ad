/** Confining tool paths to the store: the model proposes paths, this decides which are acceptable. */

export class PathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PathError";
  }
}

/** Returns a reason when a (normalised) path must not be touched, e.g. `.github/workflows/` on GitHub. */
export type PathDenial = (path: string) => string | undefined;

/** Denies every path under one of `prefixes` (POSIX, no leading slash, e.g. ".github/workflows/"). */
export function denyPrefixes(prefixes: readonly string[], reason: string): PathDenial {
  const lowered = prefixes.map((p) => p.toLowerCase().replace(/\/?$/, "/"));
  return (path) => {
    const p = `${path.toLowerCase()}/`;
    return lowered.some((prefix) => p.startsWith(prefix)) ? reason : undefined;
  };
}

export const combineDenials =
  (...denials: Array<PathDenial | undefined>): PathDenial =>
  (path) => {
    for (const deny of denials) {
      const reason = deny?.(path);
      if (reason) return reason;
    }
    return undefined;
  };

/**
 * Normalises a model-supplied path to `a/b/c` form or throws a PathError saying why it is refused:
 * absolute paths, `..`, anything inside `.git/`, control characters, and what `deny` refuses.
 */
export function normaliseStorePath(input: string, deny?: PathDenial): string {
  if (typeof input !== "string" || input.trim() === "") throw new PathError("The path is empty.");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(input)) throw new PathError(`The path ${JSON.stringify(input)} contains control characters.`);
  const slashed = input.trim().replace(/\\/g, "/");
  if (slashed.startsWith("/") || /^[a-zA-Z]:/.test(slashed) || slashed.startsWith("~")) {
    throw new PathError(`The path "${input}" is absolute; use a path relative to the repository root, e.g. "src/app.ts".`);
  }
  const parts: string[] = [];
  for (const part of slashed.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") throw new PathError(`The path "${input}" leaves the repository ("..") ; use a path inside it.`);
    if (part.toLowerCase() === ".git") throw new PathError(`The path "${input}" is inside .git/, which is not part of the file store.`);
    parts.push(part);
  }
  if (parts.length === 0) throw new PathError(`The path "${input}" does not name a file.`);
  const path = parts.join("/");
  const denied = deny?.(path);
  if (denied) throw new PathError(`The path "${path}" may not be changed: ${denied}`);
  return path;
}

// An absolute POSIX path (at least two segments, so "a/b" or "1/2" stay) or a Windows drive path.
const ABSOLUTE_PATH = /(?<![\w.~:/-])(?:\/[^\s'"`()<>,;:/]+){2,}|\b[A-Za-z]:\\[^\s'"`()<>,;:]+/g;

/**
 * An error as a tool result may show it. A PathError is written for the model; anything else is an
 * internal failure whose message could name the server's directories, so absolute paths are taken out.
 */
export function toolErrorText(e: unknown): string {
  if (e instanceof PathError) return e.message;
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(ABSOLUTE_PATH, "<server path>");
}
