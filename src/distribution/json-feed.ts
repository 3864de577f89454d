// JSON Feed 1.1 from the same stories as RSS and Atom, with the lead picture as `image`, an
// attachment, and the Media RSS fields in a `_media` extension; translations in `_translations`.
import type { Frame } from '../renders/store.js'
import { entryId, type FeedMeta } from './feeds.js'
import type { JsonFeed } from './schemas.js'
import { descriptionOf, type Story } from './stories.js'

const MEDIA_RSS = 'https://www.rssboard.org/media-rss'

type Item = JsonFeed['items'][number]

/** One story as a JSON Feed item, serialized: a fragment like `rssItem`'s. */
export const jsonFeedItem = (story: Story): string => JSON.stringify(item(story))

function item(story: Story): Item {
  const { article, lead } = story
  const description = descriptionOf(article)
  const out: Item = {
    id: entryId(article.id),
    url: story.canonicalUrl,
    title: article.title,
    ...(description !== '' && { summary: description }),
    content_html: story.html,
    date_published: article.publishedAt ?? article.updatedAt,
    date_modified: article.updatedAt,
    authors: story.bylines.map((byline) => (byline.url === null ? { name: byline.name } : { name: byline.name, url: byline.url })),
    tags: article.tags,
    language: article.locale,
  }
  if (story.translations.length > 0) out._translations = { alternates: story.translations.map((link) => ({ language: link.locale, url: link.url })) }
  if (lead !== null) {
    if (lead.kind === 'image') out.image = lead.url
    out.attachments = [{ url: lead.url, mime_type: lead.mimeType, size_in_bytes: lead.size, ...(lead.caption !== '' && { title: lead.caption }) }]
    out._media = {
      about: MEDIA_RSS,
      ...(lead.caption !== '' && { description: lead.caption }),
      ...(lead.credit !== '' && { credit: lead.credit }),
      ...(lead.altText !== '' && { text: lead.altText }),
    }
  }
  return out
}

/** What comes between two items of a JSON Feed document. */
export const JSON_SEPARATOR = ','

/** A JSON Feed document, around items made by `jsonFeedItem`. */
export function jsonFeed(meta: FeedMeta): Frame {
  const head: Omit<JsonFeed, 'items'> = {
    version: 'https://jsonfeed.org/version/1.1',
    title: meta.title,
    home_page_url: meta.home,
    feed_url: meta.self,
    description: meta.description,
    ...(meta.language !== null && { language: meta.language }),
    authors: [{ name: meta.siteName, url: meta.home }],
  }
  // The items last, as the schema (JsonFeed) lists them: the head's object without its closing brace.
  return { open: `${JSON.stringify(head).slice(0, -1)},"items":[`, separator: JSON_SEPARATOR, close: ']}' }
}
