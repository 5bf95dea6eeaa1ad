/** What went wrong, in the thrower's words, whatever was thrown (an Error, an error-like object, anything). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(error);
}
