/**
 * An existing project to change, for the scenario test and the edits benchmark: many small modules, an
 * AGENTS.md, and one large TypeScript file (a ledger of ~150 functions) whose `computeLateFee` the issue
 * asks to change.
 */

export const LEDGER_PATH = "src/billing/ledger.ts";
export const AGENTS_RULE = "Money is integer cents: never use floating point for amounts. Keep exported names stable.";

/** One ordinary function of the ledger, ~20 lines. */
function ledgerFunction(i: number): string {
  return [
    `/** Posts entry kind ${i} to the ledger and returns the new balance in cents. */`,
    `export function postEntry${i}(ledger: Ledger, amountCents: number, memo: string): number {`,
    `  if (!Number.isInteger(amountCents)) throw new Error("amount ${i} must be whole cents");`,
    `  const entry: Entry = { kind: ${i}, amountCents, memo, at: ledger.clock() };`,
    `  ledger.entries.push(entry);`,
    `  let balance = 0;`,
    `  for (const e of ledger.entries) {`,
    `    if (e.kind === ${i}) balance += e.amountCents;`,
    `  }`,
    `  if (balance > ledger.limitCents) {`,
    `    ledger.alerts.push(\`kind ${i} over its limit by \${balance - ledger.limitCents} cents\`);`,
    `  }`,
    `  return balance;`,
    `}`,
    ``,
  ].join("\n");
}

export const LATE_FEE_OLD = [
  "export function computeLateFee(invoice: Invoice, daysLate: number): number {",
  "  if (daysLate <= 0) return 0;",
  "  const perDay = Math.round(invoice.totalCents * 0.001);",
  "  return perDay * daysLate;",
  "}",
].join("\n");

export const LATE_FEE_NEW = [
  "export function computeLateFee(invoice: Invoice, daysLate: number): number {",
  "  if (daysLate <= 0) return 0;",
  "  const perDay = Math.round(invoice.totalCents * 0.001);",
  "  // Capped: a late fee never exceeds 5,000 cents.",
  "  return Math.min(perDay * daysLate, 5000);",
  "}",
].join("\n");

/** The ledger: at least `minLines` lines, `computeLateFee` in the middle. */
export function ledgerSource(minLines = 3000): string {
  const head = [
    "// The billing ledger.",
    "export interface Entry { kind: number; amountCents: number; memo: string; at: number }",
    "export interface Ledger { entries: Entry[]; alerts: string[]; limitCents: number; clock(): number }",
    "export interface Invoice { totalCents: number }",
    "",
  ].join("\n");
  const count = Math.ceil(minLines / 15) + 2;
  const fns = Array.from({ length: count }, (_, i) => ledgerFunction(i));
  const middle = Math.floor(count / 2);
  return `${head}\n${fns.slice(0, middle).join("\n")}\n${LATE_FEE_OLD}\n\n${fns.slice(middle).join("\n")}`;
}

/** A project of `files` files (at least), with README.md, AGENTS.md and the ledger. */
export function existingProject(files = 1000): Record<string, string> {
  const out: Record<string, string> = {
    "README.md": "# acme billing\n\nInvoices, ledgers and fees for acme.\n",
    "AGENTS.md": `# Rules for agents\n\n${AGENTS_RULE}\n`,
    "package.json": '{ "name": "acme-billing", "type": "module" }\n',
    [LEDGER_PATH]: ledgerSource(),
  };
  for (let i = 0; Object.keys(out).length < files; i++) {
    out[`src/modules/area${i % 20}/part${i % 9}/mod${i}.ts`] = `export const value${i} = ${i};\n`;
  }
  return out;
}
