/**
 * Text crafted against the app's text handling, as a CI job or a repository file could hold it:
 * escape introducers without their terminator (a backtracking pattern rescans the rest of the line from
 * each one), runs without spaces (BPE tokenising is quadratic in a run's length) and megabyte lines.
 */

const ESC = "\u001b";

/** About `bytes` of hostile job-log lines, GitHub-timestamped, ending in a test failure and its `##[error]`. */
export function hostileJobLog(bytes: number): string {
  const stamp = "2026-11-22T10:00:00.0000000Z ";
  const kinds = [
    `${ESC}]`.repeat(20_000), // OSC introducers, no BEL
    `${ESC}[${"1;".repeat(20_000)}`, // a CSI whose parameters never end
    `${ESC}]8;;https://x.test/`.repeat(2_000), // unterminated hyperlinks
    "\u009d\u009b".repeat(20_000), // C1 introducers
    "a".repeat(200_000), // one word of 200 KB
  ];
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `${stamp}${kinds[i % kinds.length]}`;
    lines.push(line);
    size += line.length + 1;
  }
  lines.push(`${stamp}AssertionError: expected 'hello' to equal 'hi'`, `${stamp}##[error]Process completed with exit code 1.`);
  return `\uFEFF${lines.join("\n")}\n`;
}

/** A shell script printing about `megabytes` MB of the same, then failing like a test runner. */
export function hostileCiScript(megabytes: number): string {
  return `#!/bin/sh
i=0
while [ $i -lt ${megabytes * 3} ]; do
  yes "$(printf '\\033]')" | head -n 20000 | tr -d '\\n'; echo
  printf '\\033['; yes '1;' | head -n 20000 | tr -d '\\n'; echo
  yes "$(printf '\\033]8;;https://x.test/')" | head -n 2000 | tr -d '\\n'; echo
  head -c 200000 /dev/zero | tr '\\0' 'a'; echo
  i=$((i+1))
done
echo "AssertionError: expected 'hello' in src/greet.txt"
exit 1
`;
}
