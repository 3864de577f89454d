// Stored renders: each published article's public answers (its JSON, its summary, its feed
// entries) kept as the exact bytes readers get, so that a read that misses the response cache
// is still one row and no embedding, serialization or hashing. A render is made by the first
// read that finds none and deleted by the trigger `renders_evict` (migration stored-renders) in
// the transaction of any change that logs one of its surrogate keys: the keys that already name
// everything an answer shows, for the response cache and the CDN. So it is never stale, whoever
// writes (this process, another worker, the command line), and a change costs the next reader
// one render, not a rebuild of everything that embeds what changed.
import { and, eq, inArray, sql } from 'drizzle-orm'
import type { ListPage } from '../articles/list-query.js'
import type { Db } from '../db/client.js'
import { transactional } from '../db/client.js'
import { digest } from '../http/conditional.js'
import type { InvalidationFeed } from '../db/invalidations.js'
import { lookupByIds } from '../db/lookup-by-ids.js'
import { articles } from '../db/schema.js'
import { renderGenerations, renderKeys, renders } from '../db/schema-background.js'

/** What a stored render holds, as read: its bytes as they are sent. */
export interface Render {
  body: Buffer
  /** A whole answer's ETag, or a part's digest (composedEtag in src/http/conditional.ts). */
  etag: string | null
  /** Space-separated surrogate keys that an answer made of it names (see MadePart's `carried`). */
  keys: string
}

/** A render to store: its text as made. */
export interface NewRender extends Omit<Render, 'body'> {
  body: string
  articleId: string
  kind: string
  base: string
  /** Space-separated keys of everything it shows, whose changes delete it; when absent, `keys`. */
  shows?: string
}

export type RenderStore = ReturnType<typeof createRenderStore>

/**
 * The store of renders of `generation` (src/renders/generation.ts). Renders of any other are
 * never read; when the table holds another's, it is emptied first (one statement each: SQLite
 * drops a whole table's pages without reading its rows).
 */
export function createRenderStore(db: Db, log: InvalidationFeed, generation: string) {
  adopt(db, generation)
  const ph = sql.placeholder
  // Raw: Drizzle has no CAST. The text's own UTF-8 bytes, as a Buffer: an answer made of renders
  // is then copied out and sent as it is, never decoded into a string nor encoded back (for a
  // feed of 100 whole stories, 230 KB, that was a fifth of its time).
  const stored = { body: sql<Buffer>`CAST(${renders.body} AS BLOB)`, etag: renders.etag, keys: renders.keys }
  const ours = eq(renders.generation, generation)
  const byId = db
    .select(stored)
    .from(renders)
    .where(and(eq(renders.articleId, ph('id')), eq(renders.kind, ph('kind')), eq(renders.base, ph('base')), ours))
    .prepare()
  // The slug's article must still be the published one: a render outlives nothing, but the
  // check is free with the row at hand.
  const bySlug = db
    .select(stored)
    .from(articles)
    .innerJoin(renders, and(eq(renders.articleId, articles.id), eq(renders.kind, ph('kind')), eq(renders.base, ph('base')), ours))
    .where(and(eq(articles.locale, ph('locale')), eq(articles.slug, ph('slug')), eq(articles.status, 'published')))
    .prepare()
  // A page's renders in one row: their bytes joined by SQLite into one Buffer, and a line per
  // render (its article, byte length, ETag and keys) in the same order, since both aggregates
  // walk the same rows. better-sqlite3 allocates each Buffer it returns on its own (about 1.5 us,
  // and a backing store the garbage collector sweeps): for a feed of 100 stories that was a
  // third of its time; the parts are now views of one. Raw fragments: Drizzle has no aggregate
  // but count and sum. A null in `||` would make a line vanish from group_concat, hence coalesce.
  const byIds = lookupByIds((ids) =>
    db
      .select({
        bodies: sql<Buffer | null>`CAST(group_concat(${renders.body}, '') AS BLOB)`,
        index: sql<string | null>`group_concat(${renders.articleId} || char(9) || length(CAST(${renders.body} AS BLOB)) || char(9) || coalesce(${renders.etag}, '') || char(9) || ${renders.keys}, char(10))`,
      })
      .from(renders)
      .where(and(inArray(renders.articleId, ids), eq(renders.kind, ph('kind')), eq(renders.base, ph('base')), ours))
      .prepare(),
  )
  // A page's renders read with the page itself, in one statement: the list's page (a subquery,
  // newest first) joined to its articles' renders of `kind`. The left side of a LEFT JOIN stays
  // the outer loop, so the aggregates meet the page's rows in its order (storedPage checks it),
  // and the page's bytes come out joined as they are sent. An article without a render gives a
  // line with no length. Raw fragments as in byIds: Drizzle has no aggregate but count and sum.
  const pageStatement = (page: ListPage) =>
    db
      .select({
        bodies: sql<Buffer | null>`CAST(group_concat(${renders.body}, ${ph('separator')}) AS BLOB)`,
        index: sql<string | null>`group_concat(${page.id} || char(9) || coalesce(${page.sortAt}, '') || char(9) || ${page.seq} || char(9) || coalesce(${page.updatedAt}, '') || char(9) || coalesce(length(CAST(${renders.body} AS BLOB)), '') || char(9) || coalesce(${renders.etag}, '') || char(9) || coalesce(${renders.keys}, ''), char(10))`,
      })
      .from(page)
      .leftJoin(renders, and(eq(renders.articleId, page.id), eq(renders.kind, ph('kind')), eq(renders.base, ph('base')), ours))
      .prepare()
  const upsert = db
    .insert(renders)
    .values({ articleId: ph('articleId'), kind: ph('kind'), base: ph('base'), generation, body: ph('body'), etag: ph('etag'), keys: ph('keys') })
    .onConflictDoUpdate({ target: [renders.articleId, renders.kind, renders.base, renders.generation], set: { body: sql`excluded.body`, etag: sql`excluded.etag`, keys: sql`excluded.keys` } })
    .prepare()
  const addKey = db.insert(renderKeys).values({ key: ph('key'), articleId: ph('articleId') }).onConflictDoNothing().prepare()

  const store = transactional(db, (made: readonly NewRender[], since: number) => {
    // What changed after the reads that made these began: a render showing any of it may hold
    // the old state (another process wrote in between), so it is not kept.
    const later = log.after(since)
    if (later === null) return
    const changed = new Set(later.keys)
    for (const render of made) {
      const keys = (render.shows ?? render.keys).split(' ')
      if (keys.some((key) => changed.has(key))) continue
      upsert.run({ ...render })
      for (const key of keys) addKey.run({ key, articleId: render.articleId })
    }
  })

  return {
    /** The log's position before a render's reads: pass it to `put`. */
    position: (): number => log.head(),

    byId(kind: string, base: string, id: string): Render | null {
      return byId.get({ id, kind, base }) ?? null
    },

    /** The render of the published article with this slug in this (canonical) locale. */
    bySlug(kind: string, base: string, locale: string, slug: string): Render | null {
      return bySlug.get({ kind, base, locale, slug }) ?? null
    },

    /**
     * The statement that reads a page of the list with its renders (the list's `storedPages`
     * takes it): its placeholders `kind`, `base` and `separator` (what the page's document puts
     * between two parts). Its row is read by `storedPage`.
     */
    pageStatement,

    /** The renders found of these articles, by id. */
    byIds(kind: string, base: string, ids: readonly string[]): Map<string, Render> {
      const found = new Map<string, Render>()
      const [row] = byIds(ids, { kind, base })
      if (row?.bodies == null || row.index === null) return found
      let offset = 0
      for (const line of row.index.split('\n')) {
        const [articleId, length, etag, keys] = line.split('\t') as [string, string, string, string]
        const end = offset + Number(length)
        found.set(articleId, { body: row.bodies.subarray(offset, end), etag: etag === '' ? null : etag, keys })
        offset = end
      }
      return found
    },

    /**
     * Keeps renders made from reads that began at log position `since`, unless a key one shows
     * was logged since then. A busy database (another process writing) only means it is not kept.
     */
    put(made: readonly NewRender[], since: number): void {
      if (made.length === 0) return
      try {
        store(made, since)
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error
      }
    },
  }
}

function adopt(db: Db, generation: string): void {
  const held = db.select().from(renderGenerations).all()
  if (held.length === 1 && held[0]!.generation === generation) return
  transactional(db, () => {
    db.delete(renders).run()
    db.delete(renderKeys).run()
    db.delete(renderGenerations).run()
    db.insert(renderGenerations).values({ generation }).run()
  })()
}

/** A page's parts, in its order: their bytes, their digests (for composedEtag) and their keys. */
export interface Parts {
  bodies: Buffer[]
  digests: string[]
  keys: string[][]
  /** All the bodies as one, joined by `separator`, when they were read so (storedPageParts). */
  joined: { bytes: Buffer; separator: string } | null
}

/** A part made anew: the article it prints, its bytes and the keys of what it shows. */
export interface MadePart {
  articleId: string
  body: string
  keys: readonly string[]
  /**
   * The keys a page that holds it names, when not all of `keys` (a feed names its entries' media
   * but not their articles): chosen once, when the part is made, not on every read of the page.
   */
  carried?: readonly string[]
}

/**
 * The parts of a page (summaries, feed entries) of these articles, as renders of `kind`: the
 * stored ones, and the others made by `make` and stored, unless the reads that found the
 * articles (begun at log position `since`) were overtaken. `renders` null: all made anew. An
 * article that `make` no longer finds (deleted meanwhile) is left out.
 */
export function pageParts(
  renders: RenderStore | null,
  page: { kind: string; base: string; since: number; ids: readonly string[] },
  make: (missing: string[]) => MadePart[],
): Parts {
  return partsOf(renders, page, renders?.byIds(page.kind, page.base, page.ids) ?? new Map<string, Render>(), make)
}

/** A page's parts from the renders `found` of its articles (the made ones are added to it), the missing ones made by `make` and stored. */
function partsOf(
  renders: RenderStore | null,
  page: { kind: string; base: string; since: number; ids: readonly string[] },
  found: Map<string, Render>,
  make: (missing: string[]) => MadePart[],
): Parts {
  const { kind, base, since, ids } = page
  const missing = ids.filter((id) => !found.has(id))
  if (missing.length > 0) {
    const made: NewRender[] = []
    for (const part of make(missing)) {
      const shows = [...new Set(part.keys)].join(' ')
      const render = { etag: digest(part.body), keys: part.carried === undefined ? shows : [...new Set(part.carried)].join(' ') }
      found.set(part.articleId, { ...render, body: Buffer.from(part.body) })
      made.push({ ...render, shows, body: part.body, articleId: part.articleId, kind, base })
    }
    renders?.put(made, since)
  }
  const parts: Parts = { bodies: [], digests: [], keys: [], joined: null }
  for (const id of ids) {
    const render = found.get(id)
    if (render === undefined) continue
    parts.bodies.push(render.body)
    parts.digests.push(render.etag!)
    parts.keys.push(render.keys === '' ? [] : render.keys.split(' '))
  }
  return parts
}

/** An article of a page read with its renders (RenderStore.pageStatement). */
export interface PageEntry {
  id: string
  /** Its place in the list's order. */
  sortAt: string
  seq: number
  /** Its last change, when the page was read with it; else null. */
  updatedAt: string | null
  render: Render | null
}

/** A page of the list read with its renders. */
export interface StoredPage {
  /** Its articles, in the list's order (newest first). */
  entries: PageEntry[]
  /** The bytes of the renders found, joined by `separator` in that order; null when the rows came in another. */
  joined: { bytes: Buffer; separator: string } | null
}

/** The row of RenderStore.pageStatement read: `separator` as the statement was given it. */
export function storedPage(row: { bodies: Buffer | null; index: string | null } | undefined, separator: string): StoredPage {
  if (row === undefined || row.index === null) return { entries: [], joined: null }
  const joined = row.bodies ?? Buffer.alloc(0)
  const between = Buffer.byteLength(separator)
  const entries: PageEntry[] = []
  let offset = 0
  let ordered = true
  for (const line of row.index.split('\n')) {
    const [id, sortAt, seq, updatedAt, length, etag, keys] = line.split('\t') as [string, string, string, string, string, string, string]
    let render: Render | null = null
    if (length !== '') {
      if (offset > 0) offset += between
      const end = offset + Number(length)
      render = { body: joined.subarray(offset, end), etag: etag === '' ? null : etag, keys }
      offset = end
    }
    const entry = { id, sortAt, seq: Number(seq), updatedAt: updatedAt === '' ? null : updatedAt, render }
    const previous = entries[entries.length - 1]
    if (previous !== undefined && !(previous.sortAt > sortAt || (previous.sortAt === sortAt && previous.seq > entry.seq))) ordered = false
    entries.push(entry)
  }
  // Lengths that do not add up to the bytes (a render stored empty would be joined without its
  // separator) cannot be cut apart: then every part is made again, as if none was stored.
  if (offset !== joined.length) return { entries: entries.map((entry) => ({ ...entry, render: null })), joined: null }
  // SQLite gives a join's rows in its loops' order, which no statement promises: should that ever
  // change, the page is put back in order and made of its parts one by one.
  if (ordered) return { entries, joined: { bytes: joined, separator } }
  entries.sort((a, b) => (a.sortAt === b.sortAt ? b.seq - a.seq : a.sortAt < b.sortAt ? 1 : -1))
  return { entries, joined: null }
}

/**
 * The parts of the first `limit` articles of a page read with its renders, as pageParts makes
 * them (the missing ones made by `make` and stored); `joined` kept when every one was found.
 */
export function storedPageParts(
  renders: RenderStore | null,
  page: { kind: string; base: string; since: number },
  stored: StoredPage,
  limit: number,
  make: (missing: string[]) => MadePart[],
): Parts {
  const entries = stored.entries.slice(0, limit)
  const found = new Map<string, Render>()
  for (const entry of entries) if (entry.render !== null) found.set(entry.id, entry.render)
  const whole = found.size === entries.length
  const parts = partsOf(renders, { ...page, ids: entries.map((entry) => entry.id) }, found, make)
  const last = entries[entries.length - 1]?.render
  if (stored.joined !== null && whole && last != null) {
    const { bytes, separator } = stored.joined
    parts.joined = { bytes: bytes.subarray(0, last.body.byteOffset - bytes.byteOffset + last.body.length), separator }
  }
  return parts
}

/** A document around a page's parts: what comes before them, between two of them, and after. */
export interface Frame {
  open: string
  separator: string
  close: string
}

/** The document with these parts in it, as the bytes sent: one copy of each part. */
export function framed(frame: Frame, parts: Pick<Parts, 'bodies' | 'joined'>): Buffer {
  if (parts.joined !== null && parts.joined.separator === frame.separator) {
    return Buffer.concat([Buffer.from(frame.open), parts.joined.bytes, Buffer.from(frame.close)])
  }
  const pieces: Buffer[] = [Buffer.from(frame.open)]
  const separator = Buffer.from(frame.separator)
  for (let i = 0; i < parts.bodies.length; i++) {
    if (i > 0 && separator.length > 0) pieces.push(separator)
    pieces.push(parts.bodies[i]!)
  }
  pieces.push(Buffer.from(frame.close))
  return Buffer.concat(pieces)
}
