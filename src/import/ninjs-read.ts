// IPTC ninjs items of any version read into one shape. 1.x has single strings (`headline`,
// `body_html`, `byline`) and objects keyed by name (`associations`, `renditions`); 2.x has lists
// (`headlines`, `bodies`, `by`, `subjects`); 3.x renamed properties to camelCase (`pubStatus`,
// `versionCreated`, `contentType`, `copyrightHolder`). Every spelling is read; anything of the
// wrong type is treated as absent, never trusted.

import { textOf } from './inline-html.js'

type Json = Record<string, unknown>

export interface NinjsRendition {
  name: string
  href: string
  mimeType: string | null
  width: number | null
  height: number | null
}

export interface NinjsItem {
  uri: string
  type: string
  version: string | null
  versionCreated: string | null
  embargoed: string | null
  pubStatus: 'usable' | 'withheld' | 'canceled'
  headline: string
  subHeadline: string
  description: string
  caption: string
  altText: string
  bodyHtml: string | null
  bodyText: string | null
  byline: string
  creditLine: string
  copyrightHolder: string
  copyrightNotice: string
  usageTerms: string
  language: string | null
  subjects: string[]
  renditions: NinjsRendition[]
  /** Associated items, each with the name the item gives it. */
  associations: { name: string; item: NinjsItem }[]
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/** The first of `names` that holds a string (the 1.x/2.x lower-case spelling, then 3.x's camelCase). */
function text(raw: Json, ...names: string[]): string {
  for (const name of names) {
    const value = raw[name]
    if (typeof value === 'string') return value
    if (typeof value === 'number') return String(value)
  }
  return ''
}

function optional(raw: Json, ...names: string[]): string | null {
  const value = text(raw, ...names).trim()
  return value === '' ? null : value
}

function list(raw: Json, ...names: string[]): Json[] {
  for (const name of names) {
    const value = raw[name]
    if (Array.isArray(value)) return value.filter(isObject)
  }
  return []
}

/** 2.x/3.x role-tagged texts ({role, value}): the one with a preferred role, else the first without a role. */
function byRole(entries: Json[], roles: readonly string[], fallback = true): Json | undefined {
  const role = (entry: Json) => text(entry, 'role').toLowerCase()
  for (const wanted of roles) {
    const found = entries.find((entry) => role(entry) === wanted || role(entry).endsWith(`:${wanted}`))
    if (found) return found
  }
  return fallback ? (entries.find((entry) => role(entry) === '') ?? entries[0]) : undefined
}

const contentType = (entry: Json) => text(entry, 'contenttype', 'contentType', 'mimetype').toLowerCase()
const isHtml = (type: string) => type === '' || type.includes('html') || type.includes('xml')

/** A 1.x pattern property (`body_html`, `description_text`, `headline_sub`). */
function patterned(raw: Json, prefix: string, want: (suffix: string) => boolean): string | null {
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith(prefix) && typeof value === 'string' && want(key.slice(prefix.length))) return value
  }
  return null
}

const SUB_ROLES = ['sub', 'subheadline', 'sub-headline', 'subhead', 'deck', 'dek', 'standfirst', 'strapline']

function headlines(raw: Json): { headline: string; subHeadline: string } {
  const entries = list(raw, 'headlines')
  if (entries.length > 0) {
    const main = byRole(entries, ['main', 'headline', 'title'])
    const sub = byRole(entries.filter((entry) => entry !== main), SUB_ROLES, false)
    return { headline: main ? text(main, 'value') : '', subHeadline: sub ? text(sub, 'value') : '' }
  }
  return { headline: text(raw, 'headline'), subHeadline: patterned(raw, 'headline_', (s) => /sub|extended|deck/.test(s)) ?? '' }
}

function descriptions(raw: Json): { description: string; caption: string; altText: string } {
  const entries = list(raw, 'descriptions')
  if (entries.length > 0) {
    const value = (entry: Json | undefined) => (entry ? (isHtml(contentType(entry)) ? textOf(text(entry, 'value')) : text(entry, 'value')) : '')
    const alt = byRole(entries, ['alt', 'alttext', 'alternative', 'alt-text'], false)
    const rest = entries.filter((entry) => entry !== alt)
    return { description: value(byRole(rest, ['summary', 'abstract', 'description', 'teaser'])), caption: value(byRole(rest, ['caption', 'summary'])), altText: value(alt) }
  }
  const plain = patterned(raw, 'description_', (s) => s === 'text') ?? textOf(patterned(raw, 'description_', () => true) ?? '')
  return { description: plain, caption: plain, altText: '' }
}

function bodies(raw: Json): { bodyHtml: string | null; bodyText: string | null } {
  const entries = list(raw, 'bodies')
  if (entries.length > 0) {
    const main = entries.filter((entry) => ['', 'main', 'body'].includes(text(entry, 'role').toLowerCase()))
    const pool = main.length > 0 ? main : entries
    const html = pool.find((entry) => isHtml(contentType(entry)))
    const plain = pool.find((entry) => contentType(entry).startsWith('text/plain'))
    return { bodyHtml: html ? text(html, 'value') : null, bodyText: plain ? text(plain, 'value') : null }
  }
  return {
    bodyHtml: patterned(raw, 'body_', (s) => s === 'html' || s === 'xhtml' || s.startsWith('html')),
    bodyText: patterned(raw, 'body_', (s) => s === 'text'),
  }
}

function number(raw: Json, ...names: string[]): number | null {
  for (const name of names) {
    const value = raw[name]
    if (typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 1_000_000) return value
  }
  return null
}

function renditions(raw: Json): NinjsRendition[] {
  const value = raw.renditions
  const entries: [string, Json][] = Array.isArray(value)
    ? value.filter(isObject).map((entry) => [text(entry, 'name'), entry])
    : isObject(value)
      ? Object.entries(value).filter((pair): pair is [string, Json] => isObject(pair[1]))
      : []
  return entries
    .map(([name, entry]) => ({
      name,
      href: text(entry, 'href').trim(),
      mimeType: optional(entry, 'mimetype', 'contenttype', 'contentType'),
      width: number(entry, 'width'),
      height: number(entry, 'height'),
    }))
    .filter((rendition) => rendition.href !== '')
}

function associations(raw: Json, depth: number): NinjsItem['associations'] {
  const value = raw.associations
  const entries: [string, Json][] = Array.isArray(value)
    ? value.filter(isObject).map((entry) => [text(entry, 'name'), entry])
    : isObject(value)
      ? Object.entries(value).filter((pair): pair is [string, Json] => isObject(pair[1]))
      : []
  // Associations of associations are not followed far: a picture's own links are not the story's.
  if (depth > 1) return []
  return entries.filter(([, entry]) => typeof entry.uri === 'string' && entry.uri !== '').map(([name, entry]) => ({ name, item: readNinjs(entry, depth + 1) }))
}

function pubStatus(raw: Json): NinjsItem['pubStatus'] {
  const status = text(raw, 'pubstatus', 'pubStatus').toLowerCase()
  return status === 'canceled' || status === 'cancelled' ? 'canceled' : status === 'withheld' ? 'withheld' : 'usable'
}

function subjects(raw: Json): string[] {
  return list(raw, 'subjects', 'subject')
    .map((subject) => text(subject, 'name') || text(subject, 'literal'))
    .filter((name) => name.trim() !== '')
}

/** Reads an item; the caller has checked that it is an object with a `uri`. */
export function readNinjs(raw: Json, depth = 0): NinjsItem {
  const rights = isObject(raw.rightsinfo) ? raw.rightsinfo : isObject(raw.rightsInfo) ? raw.rightsInfo : {}
  return {
    uri: text(raw, 'uri'),
    type: (optional(raw, 'type') ?? 'text').toLowerCase(),
    version: optional(raw, 'version'),
    versionCreated: optional(raw, 'versioncreated', 'versionCreated'),
    embargoed: optional(raw, 'embargoed', 'embargoedUntil'),
    pubStatus: pubStatus(raw),
    ...headlines(raw),
    ...descriptions(raw),
    ...bodies(raw),
    byline: text(raw, 'by', 'byline'),
    creditLine: text(raw, 'creditline', 'creditLine'),
    copyrightHolder: text(raw, 'copyrightholder', 'copyrightHolder'),
    copyrightNotice: text(raw, 'copyrightnotice', 'copyrightNotice'),
    usageTerms: text(raw, 'usageterms', 'usageTerms') || text(rights, 'linkedrights', 'linkedRights'),
    language: optional(raw, 'language'),
    subjects: subjects(raw),
    renditions: renditions(raw),
    associations: associations(raw, depth),
  }
}
