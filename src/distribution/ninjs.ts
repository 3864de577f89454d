// An article as an IPTC ninjs 2.1 item, the JSON that news agencies and syndication partners
// exchange: headlines, the HTML body, bylines, tags as subjects, and the lead picture as an
// association with its caption, credit, rights and renditions.
import type { ArticleStatus } from '../articles/schemas.js'
import type { Media } from '../media/schemas.js'
import { bodyPlainText, wordCount } from '../text/html.js'
import type { NinjsItem } from './schemas.js'
import type { Story } from './stories.js'

export const NINJS_SCHEMA = 'http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json'

type Association = NonNullable<NinjsItem['associations']>[number]

const PUBSTATUS: Record<ArticleStatus, NinjsItem['pubstatus']> = {
  published: 'usable',
  draft: 'withheld',
  review: 'withheld',
  scheduled: 'withheld',
  archived: 'canceled',
}

const NINJS_TYPE: Record<Media['kind'], Association['type']> = { image: 'picture', video: 'video', audio: 'audio', document: 'component' }

/** The lead picture, with the renditions the service makes of it (RENDITION_WIDTHS below its own width). */
function association(lead: Media, base: string, renditionWidths: readonly number[]): Association {
  const descriptions = [
    { role: 'caption', value: lead.caption },
    { role: 'creditline', value: lead.credit },
    { role: 'alttext', value: lead.altText },
  ].filter((text) => text.value !== '')
  const renditions: Association['renditions'] = [
    {
      name: 'original',
      href: lead.url,
      contenttype: lead.mimeType,
      ...(lead.width !== null && { width: lead.width }),
      ...(lead.height !== null && { height: lead.height }),
      sizeinbytes: lead.size,
    },
  ]
  if (lead.kind === 'image' && lead.width !== null) {
    for (const width of renditionWidths) {
      if (width < lead.width) renditions.push({ name: `w${width}`, href: `${lead.url}?width=${width}`, contenttype: lead.mimeType, width })
    }
  }
  return {
    name: 'lead',
    uri: `${base}/v1/media/${lead.id}`,
    type: NINJS_TYPE[lead.kind],
    version: String(lead.version),
    firstcreated: lead.createdAt,
    versioncreated: lead.updatedAt,
    descriptions,
    ...(lead.creator !== '' && { by: lead.creator }),
    ...(lead.copyright !== '' && { copyrightnotice: lead.copyright }),
    ...(lead.usageTerms !== '' && { usageterms: lead.usageTerms }),
    renditions,
  }
}

export function ninjsItem(story: Story, base: string, renditionWidths: readonly number[]): NinjsItem {
  const { article, lead } = story
  const text = bodyPlainText(article.body)
  return {
    uri: `${base}/v1/articles/${article.id}`,
    standard: { name: 'ninjs', version: '2.1', schema: NINJS_SCHEMA },
    type: 'text',
    version: String(article.version),
    firstcreated: article.createdAt,
    versioncreated: article.updatedAt,
    ...(article.status === 'scheduled' && article.scheduledAt !== null && { embargoed: article.scheduledAt }),
    pubstatus: PUBSTATUS[article.status],
    language: article.locale,
    slugline: article.slug,
    headlines: [{ role: 'main', value: article.title }, ...(article.subtitle === '' ? [] : [{ role: 'sub', value: article.subtitle }])],
    ...(article.summary !== '' && { descriptions: [{ role: 'summary', value: article.summary }] }),
    bodies: [{ role: 'main', contenttype: 'text/html', charcount: [...text].length, wordcount: wordCount(text), value: story.html }],
    ...(story.bylines.length > 0 && { by: story.bylines.map((byline) => byline.name).join(', ') }),
    subjects: article.tags.map((tag) => ({ name: tag })),
    ...(article.sources.length > 0 && { infosources: article.sources.map((name) => ({ name, role: 'source' })) }),
    altids: [
      { role: 'cms-id', value: article.id },
      { role: 'canonical-url', value: story.canonicalUrl },
    ],
    ...(lead !== null && { associations: [association(lead, base, renditionWidths)] }),
  }
}
