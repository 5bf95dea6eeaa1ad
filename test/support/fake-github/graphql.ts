import type { FakeContext } from "./context.js";
import { json, type RestResponse } from "./routing.js";
import type { FakeUser } from "./state.js";

/**
 * A minimal GraphQL endpoint (POST /api/graphql, as on GitHub Enterprise) answering the one query the app
 * asks: `node(id:)` of an IssueComment with its body, timestamps, `author` and `editor`. As on GitHub, a
 * Bot's login has no `[bot]` suffix there, and `editor` is null until the comment is edited. Any other
 * query gets GraphQL's error shape.
 */

const COMMENT_NODE = /^012:IssueComment(\d+)$/;

function actor(user: FakeUser | undefined): object | null {
  if (!user) return null;
  return user.type === "Bot" ? { __typename: "Bot", login: user.login.replace(/\[bot\]$/, "") } : { __typename: "User", login: user.login };
}

export function answerGraphql(ctx: FakeContext, body: unknown): RestResponse {
  const { query, variables } = (body ?? {}) as { query?: unknown; variables?: Record<string, unknown> };
  if (typeof query !== "string" || !/\bnode\s*\(\s*id\s*:/.test(query) || !/\bIssueComment\b/.test(query)) {
    return json(200, { errors: [{ message: "fake-github: only node(id:) { ... on IssueComment } is supported", type: "INTERNAL" }] });
  }
  const id = typeof variables?.id === "string" ? Buffer.from(variables.id, "base64").toString("utf8") : "";
  const comment = ctx.state.comments.get(Number(COMMENT_NODE.exec(id)?.[1] ?? NaN));
  if (!comment) {
    return json(200, {
      data: { node: null },
      errors: [
        { type: "NOT_FOUND", path: ["node"], message: `Could not resolve to a node with the global id of '${String(variables?.id)}'` },
      ],
    });
  }
  return json(200, {
    data: {
      node: {
        __typename: "IssueComment",
        body: comment.body,
        createdAt: comment.createdAt,
        updatedAt: comment.updatedAt,
        lastEditedAt: comment.lastEditedAt ?? null,
        author: actor(comment.user),
        editor: actor(comment.editor),
      },
    },
  });
}
