// Web addresses in imported text: which may be kept (absolute http and https, relative ones
// resolved against the source's base), and which name a video or social post that a front end
// shows as an embed.
import type { Field } from './inline-html.js'

/** Longest URL the articles' schema takes. */
const MAX_URL = 2048

// Hosts of the players and posts that WordPress embeds by itself, and what to call them.
const PROVIDERS: [RegExp, string][] = [
  [/(^|\.)(youtube\.com|youtu\.be|youtube-nocookie\.com)$/, 'YouTube'],
  [/(^|\.)vimeo\.com$/, 'Vimeo'],
  [/(^|\.)(twitter\.com|x\.com)$/, 'X'],
  [/(^|\.)instagram\.com$/, 'Instagram'],
  [/(^|\.)facebook\.com$/, 'Facebook'],
  [/(^|\.)tiktok\.com$/, 'TikTok'],
  [/(^|\.)soundcloud\.com$/, 'SoundCloud'],
  [/(^|\.)spotify\.com$/, 'Spotify'],
  [/(^|\.)dailymotion\.com$/, 'Dailymotion'],
  [/(^|\.)flickr\.com$/, 'Flickr'],
]

/** An absolute http(s) URL as the schema takes it (normalized by the URL parser), or null. */
export function embedUrl(raw: string, base?: string): string | null {
  const text = raw.trim()
  if (text === '' || /\s/.test(text)) return null
  let url: URL
  try {
    url = base === undefined ? new URL(text) : new URL(text, base)
  } catch {
    return null
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return null
  return url.href.length <= MAX_URL ? url.href : null
}

/** The name of the site a URL embeds, when it is one of the known ones. */
export function embedProvider(url: string): string | undefined {
  const host = new URL(url).hostname.toLowerCase()
  return PROVIDERS.find(([pattern]) => pattern.test(host))?.[1]
}

/** The URL of a paragraph that is only a link to a known embed provider (WordPress auto-embeds it), else null. */
export function isAutoEmbed(text: Field): string | null {
  if (/\s/.test(text.plain)) return null
  const url = embedUrl(text.plain)
  if (url === null || embedProvider(url) === undefined) return null
  // Only the address itself, bare or as a link: not a sentence that happens to be a link.
  return /^(?:<a href="[^"]*">)?[^<]*(?:<\/a>)?$/.test(text.html) ? url : null
}
