// The benchmark's yardsticks: a bare Fastify hello-world route (`hello`), and a bare Fastify +
// better-sqlite3 server (`sqlite`) running the service's read queries by hand with prepared
// statements and no validation, auth, embedding or response schemas: the machine's limit.
// Usage: node bare-server.js hello|sqlite <port> [database]
import Database from 'better-sqlite3'
import Fastify from 'fastify'

const [mode, portText, databasePath] = process.argv.slice(2)
const app = Fastify({ logger: false })

if (mode === 'hello') {
  app.get('/', async () => ({ hello: 'world' }))
} else {
  const db = new Database(databasePath!, { readonly: true })
  const SUMMARY = `a.seq, a.id, a.slug, a.title, a.subtitle, a.summary, a.status, a.authors, a.section, a.tags,
    a.lead_media_id AS leadMediaId, a.comment_count AS commentCount, a.published_at AS publishedAt,
    a.updated_at AS updatedAt, a.sort_at AS sortAt`
  // Slugs are unique per locale: the service reads DEFAULT_LOCALE's ('en'), through the (locale, slug) index.
  const bySlug = db.prepare<[string], { id: string; leadMediaId: string | null }>("SELECT * FROM articles WHERE locale = 'en' AND slug = ?")
  const mediaById = db.prepare('SELECT * FROM media WHERE id = ?')
  const links = db.prepare('SELECT id, position, target_article_id, url, title FROM related_links WHERE article_id = ? ORDER BY position, id')
  const firstPage = db.prepare(`SELECT ${SUMMARY} FROM articles a WHERE a.status = 'published' ORDER BY a.sort_at DESC, a.seq DESC LIMIT 21`)
  const deepPage = db.prepare(`SELECT ${SUMMARY} FROM articles a WHERE a.status = 'published' AND (a.sort_at, a.seq) < (?, ?)
    ORDER BY a.sort_at DESC, a.seq DESC LIMIT 21`)
  const byTag = db.prepare(`SELECT ${SUMMARY} FROM article_tags d JOIN articles a ON a.seq = d.article_seq
    WHERE d.tag = ? AND d.status = 'published' ORDER BY d.sort_at DESC, d.article_seq DESC LIMIT 21`)
  // The service's ranking: the fields that hold every word, title first, then newest first.
  const fields: [string, number][] = [['title', 16], ['subtitle', 8], ['tags', 4], ['summary', 2], ['body', 1]]
  const score = fields.map(([, w]) => `CASE WHEN f.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?) THEN ${w} ELSE 0 END`).join(' + ')
  const search = db.prepare(`WITH hits AS (SELECT f.rowid AS rowid, ${score} AS score FROM articles_fts f WHERE articles_fts MATCH ?)
    SELECT ${SUMMARY}, hits.score AS score FROM hits JOIN articles a ON a.seq = hits.rowid WHERE a.status = 'published'
    ORDER BY hits.score DESC, a.sort_at DESC, a.seq DESC LIMIT 21`)
  const mediaCache = new Map<number, Database.Statement<unknown[]>>()
  /** The lead media of a page in one query, as the service does. */
  const withMedia = (rows: { leadMediaId: string | null }[]) => {
    const ids = [...new Set(rows.map((r) => r.leadMediaId).filter((id): id is string => id !== null))]
    let statement = mediaCache.get(ids.length)
    if (!statement) {
      statement = db.prepare<unknown[]>(`SELECT * FROM media WHERE id IN (${ids.map(() => '?').join(', ') || 'NULL'})`)
      mediaCache.set(ids.length, statement)
    }
    return { data: rows, media: statement.all(...ids) }
  }

  app.get<{ Params: { slug: string } }>('/articles/slug/:slug', async (request, reply) => {
    const article = bySlug.get(request.params.slug)
    if (!article) return reply.code(404).send({ error: 'not found' })
    return { ...article, leadMedia: article.leadMediaId === null ? null : mediaById.get(article.leadMediaId), related: links.all(article.id) }
  })
  app.get<{ Querystring: { tag?: string; q?: string; sortAt?: string; seq?: string } }>('/articles', async (request) => {
    const { tag, q, sortAt, seq } = request.query
    if (q !== undefined) {
      const match = `"${q}"*`
      return withMedia(search.all(...fields.map(([column]) => `{${column}} : (${match})`), match) as { leadMediaId: string | null }[])
    }
    if (tag !== undefined) return withMedia(byTag.all(tag) as { leadMediaId: string | null }[])
    if (sortAt !== undefined) return withMedia(deepPage.all(sortAt, Number(seq)) as { leadMediaId: string | null }[])
    return withMedia(firstPage.all() as { leadMediaId: string | null }[])
  })
}

await app.listen({ port: Number(portText), host: '127.0.0.1' })
process.stdout.write('listening\n')
