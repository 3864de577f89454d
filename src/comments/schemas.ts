// The shapes of comments: the public `Comment` that anyone may read, and `ModeratedComment`,
// which adds what only moderators may see (e-mail, IP, user agent, spam verdict, decisions).
// Public routes answer with `Comment`, so fields missing from it can never reach a reader.
import { type Static, Type } from 'typebox'
import { IdOf, NextCursor, Nullable, PageQuery, ref, shareSchema, StringEnum, TimestampOf } from '../http/schemas.js'

/** Limits on a comment, counted in characters of the plain text left once tags are removed. */
export const BODY_MAX_CHARS = 5_000
export const NAME_MAX_CHARS = 100

const commentStatus = (description: string) => StringEnum(['pending', 'approved', 'rejected', 'spam'], { description })

export const CommentStatusSchema = commentStatus(
  '`pending` waits for a moderator; only `approved` comments are shown to readers; `rejected` and `spam` are hidden decisions.',
)

const commentFields = {
  id: IdOf("The comment's id."),
  articleId: IdOf('The article it was posted under.'),
  parentId: Nullable(IdOf('The comment it replies to; null for a comment on the article itself.')),
  authorName: Type.String({ description: `The name the reader gave, 1 to ${NAME_MAX_CHARS} characters; plain text (tags were removed): escape it.` }),
  body: Type.String({
    description: `Plain text of 1 to ${BODY_MAX_CHARS} characters (tags were removed); line breaks are \`\\n\`. Show it as text, never as HTML.`,
  }),
  status: CommentStatusSchema,
  createdAt: TimestampOf('When the comment was submitted.'),
  updatedAt: TimestampOf('When it last changed: a moderation, or a move up the thread when its parent was erased.'),
  version: Type.Integer({ minimum: 1, description: 'Starts at 1 and grows by one with each change; `If-Match` compares it (through the ETag).' }),
}

export const Comment = shareSchema(
  'Comment',
  Type.Object(commentFields, {
    description:
      'A reader comment. A reply carries its `parentId`; when the parent is not shown (no longer approved), show the reply at the top level.',
  }),
)
export type Comment = Static<typeof Comment>

export const SpamVerdictSchema = Type.Object(
  {
    verdict: StringEnum(['ok', 'suspect', 'spam'], {
      description: '`ok` (score under 5), `suspect` (5 to 9: held for a moderator) or `spam` (10 or more).',
    }),
    score: Type.Integer({ minimum: 0, description: 'The sum of the weights of the signals found; higher is worse.' }),
    reasons: Type.Array(Type.String(), { description: 'Each signal found, in words a moderator reads, e.g. "3 links" or "blocked host: pills.example".' }),
  },
  { description: 'What the spam check said when the comment arrived.' },
)

export const ModeratedComment = shareSchema(
  'ModeratedComment',
  Type.Object(
    {
      ...commentFields,
      authorEmail: Nullable(Type.String({ description: 'The e-mail the reader gave, lower case; null when none. Never shown to readers.' })),
      ip: Nullable(Type.String({ description: "The client's address as the service saw it (see TRUST_PROXY)." })),
      userAgent: Nullable(Type.String({ description: "The client's User-Agent header, cut to 512 characters; null when it sent none." })),
      spam: SpamVerdictSchema,
      moderatedBy: Nullable(Type.String({ description: 'The API key id of the last moderator who decided; null until one did.' })),
      moderatedAt: Nullable(TimestampOf('When the last decision was made; null until one was.')),
    },
    { description: 'A comment as moderators see it. Never served to anyone else.' },
  ),
)
export type ModeratedComment = Static<typeof ModeratedComment>

/** A comment as stored: everything, public or not. */
export type StoredComment = ModeratedComment & {
  /** 0 for a comment on the article, 1 for a reply to one, and so on. */
  depth: number
}

/** Only the public fields: for readers' responses and webhook events. */
export function toPublic(comment: StoredComment): Comment {
  return {
    id: comment.id,
    articleId: comment.articleId,
    parentId: comment.parentId,
    authorName: comment.authorName,
    body: comment.body,
    status: comment.status,
    createdAt: comment.createdAt,
    updatedAt: comment.updatedAt,
    version: comment.version,
  }
}

export function toModerated(comment: StoredComment): ModeratedComment {
  return {
    ...toPublic(comment),
    authorEmail: comment.authorEmail,
    ip: comment.ip,
    userAgent: comment.userAgent,
    spam: comment.spam,
    moderatedBy: comment.moderatedBy,
    moderatedAt: comment.moderatedAt,
  }
}

// Raw limits are generous so that markup around a long comment still fits; the limits that
// matter (BODY_MAX_CHARS, NAME_MAX_CHARS) apply to the text left after the tags are gone.
export const CommentCreate = Type.Object(
  {
    authorName: Type.String({ minLength: 1, maxLength: 1_000, description: `Plain text, 1 to ${NAME_MAX_CHARS} characters once tags are removed.` }),
    authorEmail: Type.Optional(
      Type.Union([Type.String({ format: 'email', maxLength: 254 }), Type.Literal('')], {
        description: 'Seen only by moderators. An empty string counts as none.',
      }),
    ),
    body: Type.String({ minLength: 1, maxLength: 20_000, description: `Plain text, 1 to ${BODY_MAX_CHARS} characters once tags are removed.` }),
    parentId: Type.Optional(Nullable(IdOf('To reply: an approved comment of the same article. Absent or null: a comment on the article.'))),
    website: Type.Optional(
      Type.String({
        maxLength: 2_000,
        description: 'The honeypot: a form field hidden from people (and from autofill). Send it empty or leave it out; a filled one makes the comment spam.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type CommentCreate = Static<typeof CommentCreate>

export const CommentList = Type.Object({
  data: Type.Array(ref(Comment), { description: 'The approved comments, oldest first.' }),
  nextCursor: NextCursor,
})

export const ModeratedCommentList = Type.Object({
  data: Type.Array(ref(ModeratedComment), { description: 'The comments, oldest first.' }),
  nextCursor: NextCursor,
})

export const CommentPageQuery = Type.Object(PageQuery, { additionalProperties: false })

export const CommentQueueQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(commentStatus('Only comments with this status: `pending` is the moderation queue.')),
    articleId: Type.Optional(IdOf('Only the comments of this article.')),
  },
  { additionalProperties: false },
)
export type CommentQueueQuery = Static<typeof CommentQueueQuery>

export const CommentModerate = Type.Object(
  { status: commentStatus('The decision: `approved`, `rejected` or `spam`.') },
  {
    additionalProperties: false,
    description: 'The decision. A decided comment never goes back to `pending` (409); the status it already has changes nothing.',
  },
)

export const CommentModerateMany = Type.Object(
  {
    ids: Type.Array(IdOf('A comment id.'), { minItems: 1, maxItems: 100, uniqueItems: true, description: 'The comments to decide on, 1 to 100.' }),
    status: commentStatus('The decision for all of them: `approved`, `rejected` or `spam`.'),
  },
  {
    additionalProperties: false,
    description: 'All or nothing: an unknown id (400) or a change the state machine refuses (409) changes none of them.',
  },
)

export const ModeratedCommentBatch = Type.Object({
  data: Type.Array(ref(ModeratedComment), { description: 'The comments after the decision, in the order of `ids`.' }),
})
