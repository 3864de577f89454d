// /v1/articles/{id}/comments and /v1/comments: readers submit and read comments; moderators
// work the queue. Reader-facing routes answer with the public `Comment` only, so e-mail
// addresses, IPs and spam verdicts can leave the service through the moderator routes alone.
import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { ArticleGate, ArticlesRepository } from '../articles/repository.js'
import type { Config } from '../config.js'
import { bearer, keyIdOf, optionalBearer, requireRole } from '../http/auth.js'
import { badRequest, forbidden, invalidField, notFound, tooManyRequests } from '../http/problems.js'
import { articleKey, setSurrogateKeys } from '../http/surrogate-keys.js'
import { visibilityOf, visibleOr404 } from '../http/visibility.js'
import { IdParams, json, problems, ref } from '../http/schemas.js'
import { commentsClosedReason } from './closing.js'
import { acceptForms, CommentForm, FORM_MEDIA_TYPE, returnLocation, returnTarget } from './form-submission.js'
import type { CommentsRepository, Placement } from './repository.js'
import {
  BODY_MAX_CHARS,
  NAME_MAX_CHARS,
  Comment,
  CommentCreate,
  CommentList,
  CommentModerate,
  CommentModerateMany,
  CommentPageQuery,
  CommentQueueQuery,
  ModeratedComment,
  ModeratedCommentBatch,
  ModeratedCommentList,
  toModerated,
  toPublic,
} from './schemas.js'
import { checkOrHold, createLocalSpamChecker, fingerprint, type SpamChecker, type SpamInput, type Verdict } from './spam.js'
import { charCount, isBlank, plainLine, plainText } from '../text/plain.js'

export interface CommentRouteOptions {
  config: Config
  articles: ArticlesRepository
  comments: CommentsRepository
  /** Replaces the local spam checker (e.g. with one that asks Akismet). */
  spamChecker?: SpamChecker
}

// A comment is at most 20,000 characters of raw text; anything far beyond is not a comment.
const SUBMISSION_BODY_LIMIT = 256 * 1024
const USER_AGENT_MAX = 512

export async function commentRoutes(app: FastifyInstance, options: CommentRouteOptions) {
  const { config, articles, comments } = options
  const r = app.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['comments']
  const spam =
    options.spamChecker ??
    createLocalSpamChecker({
      maxLinks: config.commentMaxLinks,
      blockedWords: config.commentBlockedWords,
      blockedHosts: config.commentBlockedHosts,
    })
  const moderatorOnly = requireRole('moderator')

  // Registered here, inside this plugin, and only for the routes that ask for it: the limit
  // is on submissions, never on reading. `request.ip` honours TRUST_PROXY.
  const limited = config.commentRateLimit > 0
  if (limited) {
    await app.register(rateLimit, {
      global: false,
      keyGenerator: (request) => request.ip,
      errorResponseBuilder: (_request, context) =>
        tooManyRequests(
          `At most ${context.max} comments a minute may come from one address; retry in ${Math.max(1, Math.ceil(context.ttl / 1000))} s.`,
          context.ttl / 1000,
        ),
    })
  }
  // Counted in preHandler, once the body is parsed and valid: a submission refused before that
  // (415, 413, a 400 from the schema) never spends one of the reader's attempts.
  const submissionLimit: { rateLimit?: RateLimitOptions } = limited
    ? { rateLimit: { max: config.commentRateLimit, timeWindow: 60_000, hook: 'preHandler' } }
    : {}

  /**
   * The article as this caller may see it: 404 for an absent article and, to anyone but
   * editors, for one that is not published (the same answer, so drafts do not leak).
   */
  const visibleArticle = (request: FastifyRequest, id: string): ArticleGate =>
    visibleOr404(articles.gate(id), visibilityOf(request.caller), id)


  async function checkSpam(request: FastifyRequest, input: SpamInput): Promise<Verdict> {
    const { verdict, error } = await checkOrHold(spam, input, { ip: request.ip ?? null, userAgent: request.headers['user-agent'] ?? null })
    if (error !== undefined) request.log.warn({ err: error }, 'spam check failed; holding the comment for moderation')
    return verdict
  }

  /**
   * Where a submission goes, checked in the transaction that stores it (see comments.submit):
   * the article is open for comments, the parent is a comment shown under it. Throws the
   * Problem to answer otherwise.
   */
  function placement(request: FastifyRequest, articleId: string, parentId: string | null): Placement {
    const article = visibleArticle(request, articleId)
    // Editors can see drafts, but readers cannot comment on what they cannot read.
    if (article.status !== 'published') throw forbidden('Comments open when the article is published.')
    const closed = commentsClosedReason(article, config.commentsCloseAfterDays, new Date())
    if (closed !== null) throw forbidden(closed)
    if (parentId === null) return { articleId: article.id, parentId: null, depth: 0 }

    const parent = comments.getById(parentId)
    // One answer for absent, hidden and elsewhere: a reader learns nothing about comments they cannot see.
    if (!parent || parent.articleId !== article.id || parent.status !== 'approved') {
      throw invalidField('body.parentId', 'is not a comment shown under this article')
    }
    const depth = parent.depth + 1
    if (depth >= config.commentMaxDepth) {
      throw invalidField('body.parentId', `is a reply too deep: threads may be at most ${config.commentMaxDepth} levels deep`)
    }
    return { articleId: article.id, parentId: parent.id, depth }
  }

  // The one route that also takes form bodies (a page without JavaScript), in a scope of its
  // own so that the moderators' routes keep answering 415 to them.
  await app.register(async (forms) => {
    await acceptForms(forms, SUBMISSION_BODY_LIMIT)
    forms.withTypeProvider<TypeBoxTypeProvider>().post(
      '/articles/:id/comments',
      {
        bodyLimit: SUBMISSION_BODY_LIMIT,
        config: submissionLimit,
        schema: {
          summary: 'Submit a comment (anyone)',
          description:
            'Tags are removed: `authorName` and `body` are stored as plain text. The comment is checked for spam before it ' +
            'is stored; its `status` says whether it is shown (`approved`), waits for a moderator (`pending`) or was taken ' +
            'for `spam`. With COMMENT_MODERATION=pre (the default) every comment waits. `authorEmail` is seen only by ' +
            'moderators. Submissions are limited per client address (COMMENT_RATE_LIMIT a minute); a request refused ' +
            'before it is valid (400 from the schema, 413, 415) is not counted. A page without JavaScript posts the same ' +
            `fields as \`${FORM_MEDIA_TYPE}\`, with \`returnTo\` to have the reader sent back to it (303).`,
          operationId: 'createComment',
          tags,
          security: optionalBearer,
          params: IdParams,
          body: { content: { 'application/json': { schema: CommentCreate }, [FORM_MEDIA_TYPE]: { schema: CommentForm } } },
          response: {
            201: json('The comment, with the status it got.', ref(Comment)),
            303: {
              description: 'A form with `returnTo`: the comment is stored; `Location` is `returnTo` with `comment=published` or `comment=pending`.',
              headers: { location: Type.String() },
            },
            ...problems(400, 401, 403, 404, 413, 415, 429),
          },
        },
      },
      async (request, reply) => {
        // Per media type, so the type provider cannot tell; the form's fields are a superset.
        const input = request.body as CommentForm | undefined
        // With no Content-Type there is no schema to hold the body to: Fastify skips the check.
        if (input === undefined) throw badRequest('body is required: send the comment as JSON or as a form.')
        const target = returnTarget(input.returnTo, config.corsWriteOrigins)
        const authorName = plainLine(input.authorName)
        if (isBlank(authorName)) throw invalidField('body.authorName', 'is empty once tags are removed')
        if (charCount(authorName) > NAME_MAX_CHARS) throw invalidField('body.authorName', `must be at most ${NAME_MAX_CHARS} characters`)
        const body = plainText(input.body)
        if (isBlank(body)) throw invalidField('body.body', 'is empty once tags are removed')
        if (charCount(body) > BODY_MAX_CHARS) throw invalidField('body.body', `must be at most ${BODY_MAX_CHARS} characters once tags are removed`)
        const authorEmail = input.authorEmail ? input.authorEmail.trim().toLowerCase() : null

        const verdict = await checkSpam(request, { authorName, authorEmail, body, website: input.website })
        const outcome = await comments.submit(
          {
            articleId: request.params.id,
            authorName,
            authorEmail,
            body,
            fingerprint: fingerprint(body),
            ip: request.ip ?? null,
            userAgent: request.headers['user-agent']?.slice(0, USER_AGENT_MAX) ?? null,
            spam: verdict,
            moderation: config.commentModeration,
          },
          // An empty parentId (a form's) is none, as a missing one is.
          () => placement(request, request.params.id, input.parentId || null),
        )
        if ('refused' in outcome) throw outcome.refused
        if (target !== null) return reply.code(303).header('location', returnLocation(target, outcome.comment.status)).send()
        return reply.code(201).send(toPublic(outcome.comment))
      },
    )
  })

  r.get(
    '/articles/:id/comments',
    {
      config: { responseCache: true },
      schema: {
        summary: "List an article's approved comments, oldest first",
        description:
          'Only `approved` comments, for every caller (moderators see the rest through GET /v1/comments). Replies carry ' +
          'their `parentId`; build the threads from it.',
        operationId: 'listArticleComments',
        tags,
        security: optionalBearer,
        params: IdParams,
        querystring: CommentPageQuery,
        response: { 200: json('A page of comments.', CommentList), ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const article = visibleArticle(request, request.params.id)
      // Every change readers see moves the article's commentCount, which logs the article's key.
      setSurrogateKeys(reply, () => [articleKey(article.id)])
      const page = comments.listApproved(article.id, { limit: request.query.limit ?? 20, cursor: request.query.cursor })
      return { data: page.data.map(toPublic), nextCursor: page.nextCursor }
    },
  )

  r.get(
    '/comments',
    {
      onRequest: moderatorOnly,
      schema: {
        summary: 'The moderation queue: comments across articles, oldest first (moderators)',
        description: 'Every status unless `status` is given (`?status=pending` is the queue); `articleId` narrows to one article.',
        operationId: 'listComments',
        tags,
        security: bearer,
        querystring: CommentQueueQuery,
        response: { 200: json('A page of comments, as moderators see them.', ModeratedCommentList), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit, ...filters } = request.query
      const page = comments.list({ ...filters, limit: limit ?? 20 })
      return { data: page.data.map(toModerated), nextCursor: page.nextCursor }
    },
  )

  // Declared before /comments/:id so that "moderate" is never taken for an id; Fastify's
  // router prefers the static segment anyway, and this keeps that visible.
  r.post(
    '/comments/moderate',
    {
      onRequest: moderatorOnly,
      schema: {
        summary: 'Moderate many comments at once (moderators)',
        description:
          'All or nothing, in one transaction: when an id is unknown (400) or a change is one the state machine refuses ' +
          '(409), no comment changes. Comments that already have the status are left as they are.',
        operationId: 'moderateComments',
        tags,
        security: bearer,
        body: CommentModerateMany,
        response: { 200: json('The comments after the decision.', ModeratedCommentBatch), ...problems(400, 401, 403, 409) },
      },
    },
    async (request) => {
      const changed = comments.moderateMany(request.body.ids, request.body.status, keyIdOf(request.caller))
      return { data: changed.map(toModerated) }
    },
  )

  r.get(
    '/comments/:id',
    {
      onRequest: moderatorOnly,
      schema: {
        summary: 'Read one comment as moderators see it (moderators)',
        description:
          'Moderators and admins. Any status, with the private fields readers never get: the e-mail, the IP address and ' +
          'user agent, the spam verdict, and who decided last and when.',
        operationId: 'getComment',
        tags,
        security: bearer,
        params: IdParams,
        response: { 200: json('The comment.', ref(ModeratedComment)), ...problems(401, 403, 404) },
      },
    },
    async (request) => {
      const comment = comments.getById(request.params.id)
      if (!comment) throw notFound('comment', request.params.id)
      return toModerated(comment)
    },
  )

  r.patch(
    '/comments/:id',
    {
      onRequest: moderatorOnly,
      schema: {
        summary: 'Moderate one comment (moderators)',
        description:
          '`pending` → `approved`, `rejected` or `spam`; afterwards any decision can be replaced by another, but a comment ' +
          'never returns to `pending` (409). Sending the status it has changes nothing. The decision is recorded with the ' +
          "moderator's key and the time.",
        operationId: 'moderateComment',
        tags,
        security: bearer,
        params: IdParams,
        body: CommentModerate,
        response: { 200: json('The comment after the decision.', ref(ModeratedComment)), ...problems(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request) => {
      const after = comments.moderate(request.params.id, request.body.status, { keyId: keyIdOf(request.caller), ifVersion: request.ifVersion })
      return toModerated(after)
    },
  )

  r.delete(
    '/comments/:id',
    {
      onRequest: moderatorOnly,
      schema: {
        summary: 'Erase a comment (moderators)',
        description:
          'The comment and its text are gone; its replies stay and move up to its parent. The audit trail keeps a row ' +
          'saying who erased it and when, without the text.',
        operationId: 'deleteComment',
        tags,
        security: bearer,
        params: IdParams,
        response: { 204: { description: 'Erased.' }, ...problems(401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      comments.remove(request.params.id, { keyId: keyIdOf(request.caller), ifVersion: request.ifVersion })
      return reply.code(204).send()
    },
  )

}
