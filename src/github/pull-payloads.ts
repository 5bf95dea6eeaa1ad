import { z } from "zod";

/**
 * The parts of `pull_request`, `pull_request_review` and `pull_request_review_comment` payloads the app
 * reads, parsed at the edge: anything else in them is ignored, and a payload without these fields is
 * refused rather than half-read. Texts are reviewers' words: data, bounded here.
 */

const MAX_TEXT = 20_000;
const text = z
  .string()
  .nullish()
  .transform((s) => (s ?? "").slice(0, MAX_TEXT));

const UserSchema = z.object({ login: z.string().max(100), type: z.string().optional() });

export const PullSchema = z.object({
  number: z.number().int().positive(),
  state: z.enum(["open", "closed"]),
  merged: z.boolean().nullish(),
  html_url: z.string().max(500),
  user: UserSchema.nullable(),
  head: z.object({ ref: z.string().max(300), repo: z.object({ full_name: z.string() }).nullable() }),
});
export type PullRef = z.infer<typeof PullSchema>;

const EnvelopeSchema = z.object({
  repository: z.object({ full_name: z.string() }),
  installation: z.object({ id: z.number().int() }),
  sender: UserSchema,
});

export const ReviewPayloadSchema = EnvelopeSchema.extend({
  action: z.literal("submitted"),
  review: z.object({
    id: z.number().int().positive(),
    body: text,
    // Webhooks say `changes_requested`; the REST API `CHANGES_REQUESTED`.
    state: z.string().transform((s) => s.toLowerCase()),
    html_url: z.string().max(500),
    user: UserSchema.nullable(),
  }),
  pull_request: PullSchema,
});
export type ReviewPayload = z.infer<typeof ReviewPayloadSchema>;

export const ReviewCommentSchema = z.object({
  id: z.number().int().positive(),
  body: text,
  path: z.string().max(1000),
  line: z.number().int().nullish(),
  original_line: z.number().int().nullish(),
  diff_hunk: text,
  html_url: z.string().max(500),
  pull_request_review_id: z.number().int().nullish(),
  in_reply_to_id: z.number().int().nullish(),
  user: UserSchema.nullable(),
});
export type ReviewComment = z.infer<typeof ReviewCommentSchema>;

export const ReviewCommentPayloadSchema = EnvelopeSchema.extend({
  action: z.literal("created"),
  comment: ReviewCommentSchema,
  pull_request: PullSchema,
});

export const PullClosedPayloadSchema = EnvelopeSchema.extend({ action: z.literal("closed"), pull_request: PullSchema });

/**
 * The issue whose run a pull request belongs to: only the app's own pull request counts, from its branch
 * `<prefix>issue-<n>` in this repository (not a fork's branch of the same name, not someone else's PR).
 */
export function runIssueOf(pull: PullRef, repoFullName: string, branchPrefix: string, botLogin: string): number | undefined {
  if (pull.user?.login !== botLogin) return undefined;
  if (pull.head.repo?.full_name.toLowerCase() !== repoFullName.toLowerCase()) return undefined;
  if (!pull.head.ref.startsWith(branchPrefix)) return undefined;
  const m = /^issue-([1-9]\d{0,9})$/.exec(pull.head.ref.slice(branchPrefix.length));
  return m ? Number(m[1]) : undefined;
}
