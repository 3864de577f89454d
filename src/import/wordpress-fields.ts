// What the WordPress import reads the same way everywhere: the keys an export's items are
// recorded under, WordPress's times, and the paths of uploaded files.
import type { WxrChannel } from './wxr.js'

/** The keys an export's items are recorded under, all starting from the site's address. */
export function siteKeys(channel: WxrChannel) {
  const site = (channel.baseSiteUrl || channel.baseBlogUrl || channel.link || 'wordpress').replace(/\/+$/, '')
  return {
    site,
    /** An article's externalId: the post's address by id on its site, as WordPress writes its guid. */
    post: (id: string) => `wp:${site}/?p=${id}`,
    attachment: (id: string) => `wp:${site}/?attachment_id=${id}`,
    /** An uploaded file, by its path under wp-content/uploads (pictures in the text name their files). */
    file: (path: string) => `wp-file:${site}/${path}`,
    comment: (id: string) => `wp:${site}/?comment=${id}`,
    /** An author of the export, by login: the profile it became. */
    author: (login: string) => `wp:${site}/?author=${encodeURIComponent(login)}`,
  }
}
export type SiteKeys = ReturnType<typeof siteKeys>

/** A WordPress time ("2021-03-04 10:00:00", UTC in the _gmt fields) as ISO 8601; null for the zero date. */
export function wordpressTime(value: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value.trim())
  if (!match || match[1] === '0000') return null
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6]))
  return Number.isNaN(ms) ? null : new Date(ms).toISOString()
}

/**
 * The path of an uploaded file under wp-content/uploads, from its URL. A picture in the text is
 * often a resized copy ("boat-300x200.jpg"): `original` names the file it was made from.
 */
export function uploadPath(url: string, original = false): string | null {
  const path = url.split(/[?#]/)[0] ?? ''
  const match = /\/wp-content\/uploads\/(.+)$/.exec(path) ?? /\/uploads\/(.+)$/.exec(path)
  if (!match) return null
  try {
    const file = decodeURIComponent(match[1]!)
    return original ? file.replace(/-\d+x\d+(\.[A-Za-z0-9]+)$/, '$1').replace(/-scaled(\.[A-Za-z0-9]+)$/, '$1') : file
  } catch {
    return null
  }
}

export type CommentCounts = { created: number; unchanged: number; skipped: number }
