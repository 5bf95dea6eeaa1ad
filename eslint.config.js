import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

export default tseslint.config(
  { ignores: ["lib/", "node_modules/", "workspace/", "eval-results/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Layout is the formatter's (`npm run format`, checked by `npm run lint`).
  prettier,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // The engine is the L2MAC computer: it must not know about GitHub, Probot, the CLI or src/checks.
    files: ["src/engine/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["probot", "probot/*", "@octokit/*", "octokit"], message: "The engine imports nothing from GitHub or Probot." },
            {
              group: ["**/github/**", "**/handlers/**", "**/runs/**", "**/local/**", "../cli.js", "../index.js", "../library.js"],
              message: "The engine imports nothing from the front ends.",
            },
            {
              group: ["**/checks/**"],
              message: "The engine reaches checks only through its ports (syntax-checker.ts): the front ends wire them.",
            },
          ],
        },
      ],
    },
  },
);
