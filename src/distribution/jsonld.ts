// schema.org NewsArticle structured data (JSON-LD) for an article page: what search engines
// read for headlines, dates, bylines, the lead picture's rights, and corrections.
import { bodyPlainText, wordCount } from '../text/html.js'
import type { Media } from '../media/schemas.js'
import type { NewsArticleLd } from './schemas.js'
import type { Story, TranslationLink } from './stories.js'

export interface Publisher {
  name: string
  /** The website's home page. */
  url: string
}

const isUrl = (text: string): boolean => /^https?:\/\/[^\s/?#]+\S*$/i.test(text.trim())

function imageObject(lead: Media): NonNullable<NewsArticleLd['image']>[number] {
  return {
    '@type': 'ImageObject',
    url: lead.url,
    contentUrl: lead.url,
    encodingFormat: lead.mimeType,
    ...(lead.width !== null && { width: lead.width }),
    ...(lead.height !== null && { height: lead.height }),
    ...(lead.caption !== '' && { caption: lead.caption }),
    ...(lead.credit !== '' && { creditText: lead.credit }),
    ...(lead.creator !== '' && { creator: { '@type': 'Person' as const, name: lead.creator } }),
    ...(lead.copyright !== '' && { copyrightNotice: lead.copyright }),
    // schema.org's license is a URL (or a creative work): usage terms in words have no place there.
    ...(isUrl(lead.usageTerms) && { license: lead.usageTerms.trim() }),
  }
}

const translationLd = (link: TranslationLink): NonNullable<NewsArticleLd['workTranslation']>[number] => ({
  '@type': 'NewsArticle',
  '@id': link.url,
  url: link.url,
  inLanguage: link.locale,
})

/** The NewsArticle of a published story. */
export function newsArticle(story: Story, publisher: Publisher): NewsArticleLd {
  const { article, lead } = story
  const description = article.summary || article.subtitle
  const original = story.translations.filter((link) => link.original)
  const translations = story.translations.filter((link) => !link.original)
  return {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    '@id': story.canonicalUrl,
    url: story.canonicalUrl,
    mainEntityOfPage: { '@type': 'WebPage', '@id': story.canonicalUrl },
    headline: article.title,
    ...(article.subtitle !== '' && { alternativeHeadline: article.subtitle }),
    ...(description !== '' && { description }),
    datePublished: article.publishedAt ?? article.updatedAt,
    dateModified: article.updatedAt,
    author: story.bylines.map((byline) => ({ '@type': 'Person' as const, name: byline.name, ...(byline.url !== null && { url: byline.url }) })),
    publisher: { '@type': 'Organization', name: publisher.name, url: publisher.url },
    ...(lead !== null && lead.kind === 'image' && { image: [imageObject(lead)] }),
    ...(article.section !== null && { articleSection: article.section }),
    keywords: article.tags,
    inLanguage: article.locale,
    // schema.org links a translation to its original and back; the other translations of the
    // same original are neither, so a translation names only the original (none while it is
    // unpublished). `translationOf` is the stored one, whatever readers see of it.
    ...(article.translationOf !== null && original.length > 0 && { translationOfWork: original.map(translationLd) }),
    ...(article.translationOf === null && translations.length > 0 && { workTranslation: translations.map(translationLd) }),
    wordCount: wordCount(bodyPlainText(article.body)),
    ...(story.corrections.length > 0 && {
      correction: story.corrections.map((note) => ({ '@type': 'CorrectionComment' as const, text: note.text, datePublished: note.at })),
    }),
  }
}
