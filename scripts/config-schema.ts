import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { RepoConfigSchema } from "../src/config.js";

/** Where the JSON Schema of `.github/l2mac.yml` is published (editors validate the file against it). */
export const SCHEMA_PATH = fileURLToPath(new URL("../schema/l2mac.schema.json", import.meta.url));

/** The JSON Schema of `.github/l2mac.yml`, generated from the zod schema the app validates it with. */
export function configJsonSchema(): string {
  // "input": what a user may write (every key optional, defaults shown), not what the app holds after parsing.
  const schema = z.toJSONSchema(RepoConfigSchema, { io: "input", target: "draft-7" }) as Record<string, unknown>;
  const published = {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://raw.githubusercontent.com/l2mac/l2mac-github-app/main/schema/l2mac.schema.json",
    title: "L2MAC repository configuration (.github/l2mac.yml)",
    ...schema,
  };
  return `${JSON.stringify(published, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_PATH, configJsonSchema());
  console.info(`wrote ${SCHEMA_PATH}`);
}
