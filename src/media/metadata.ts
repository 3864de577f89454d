// Caption, credit and rights read from an image's embedded metadata: IPTC IIM (the APP13
// "Photoshop 3.0" block of JPEGs) and XMP (any format). Pure functions over the raw blocks
// that sharp hands over, so they are tested without images.
//
// IIM is read here rather than through exifr, because exifr skips record 1 and so never sees
// the 1:90 CodedCharacterSet that says whether the text is UTF-8; it then decodes every value
// as Latin-1 ("MÃ©xico"). XMP is always UTF-8 and exifr parses it.
import { cleanText } from '../text/sanitize.js'
import { loadExifr } from './libraries.js'
import { type MediaText, TEXT_FIELDS, type TextField } from './schemas.js'

export type EmbeddedText = Partial<MediaText>

/** IIM datasets by "record:dataset", each a list because some repeat (By-line). */
export type IimDatasets = Map<string, Buffer[]>

const PHOTOSHOP = Buffer.from('Photoshop 3.0\0', 'latin1')
const IPTC_RESOURCE = 0x0404

/** The IIM bytes inside a Photoshop image-resource block (or the block itself when it is bare IIM). */
export function iimFromPhotoshop(block: Buffer): Buffer | null {
  if (block[0] === 0x1c) return block
  let offset = block.subarray(0, PHOTOSHOP.length).equals(PHOTOSHOP) ? PHOTOSHOP.length : 0
  while (offset + 12 <= block.length) {
    if (block.toString('latin1', offset, offset + 4) !== '8BIM') return null
    const id = block.readUInt16BE(offset + 4)
    const nameLength = block[offset + 6]!
    // The Pascal-string name, with its length byte, is padded to an even size.
    let cursor = offset + 6 + ((1 + nameLength + 1) & ~1)
    if (cursor + 4 > block.length) return null
    const size = block.readUInt32BE(cursor)
    cursor += 4
    if (cursor + size > block.length) return null
    if (id === IPTC_RESOURCE) return block.subarray(cursor, cursor + size)
    offset = cursor + size + (size % 2)
  }
  return null
}

/** Splits IIM into datasets; stops quietly at anything malformed (the rest is not trusted). */
export function parseIim(iim: Buffer): IimDatasets {
  const out: IimDatasets = new Map()
  let offset = 0
  while (offset + 5 <= iim.length && iim[offset] === 0x1c) {
    const record = iim[offset + 1]!
    const dataset = iim[offset + 2]!
    let length = iim.readUInt16BE(offset + 3)
    let start = offset + 5
    if (length & 0x8000) {
      // Extended dataset: the low bits say how many bytes hold the real length.
      const lengthBytes = length & 0x7fff
      if (lengthBytes === 0 || lengthBytes > 4 || start + lengthBytes > iim.length) break
      length = iim.readUIntBE(start, lengthBytes)
      start += lengthBytes
    }
    if (start + length > iim.length) break
    const key = `${record}:${dataset}`
    const list = out.get(key) ?? []
    list.push(iim.subarray(start, start + length))
    out.set(key, list)
    offset = start + length
  }
  return out
}

/** Whether 1:90 CodedCharacterSet designates UTF-8 (ESC % G, or ESC % / G, H or I). */
export function declaresUtf8(datasets: IimDatasets): boolean {
  const value = datasets.get('1:90')?.[0]
  if (!value || value[0] !== 0x1b || value[1] !== 0x25) return false
  return value[2] === 0x47 || (value[2] === 0x2f && value[3] !== undefined && [0x47, 0x48, 0x49].includes(value[3]))
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true })
const utf8 = new TextDecoder('utf-8')
// 0x80–0x9F in Windows-1252; the other bytes are their own code points. Spelled out because
// Node's TextDecoder('windows-1252') decodes plain Latin-1 in some builds.
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ'

function decodeWindows1252(bytes: Buffer): string {
  let out = ''
  for (const byte of bytes) out += byte >= 0x80 && byte <= 0x9f ? CP1252_HIGH[byte - 0x80] : String.fromCharCode(byte)
  return out
}

/**
 * Text by the declared character set. Without a declaration many tools still write UTF-8,
 * so bytes that are valid UTF-8 are read as such, and anything else as Windows-1252 (the
 * Latin-1 superset that IIM's default in practice is).
 */
export function decodeIimText(bytes: Buffer, declaredUtf8: boolean): string {
  if (declaredUtf8) return utf8.decode(bytes)
  try {
    return utf8Strict.decode(bytes)
  } catch {
    return decodeWindows1252(bytes)
  }
}

// Record 2 datasets for each field. IIM has no usage terms or alt text: those are XMP only.
const IIM_FIELDS: Partial<Record<TextField, string>> = {
  caption: '2:120',
  credit: '2:110',
  creator: '2:80',
  copyright: '2:116',
}

export function readIptc(block: Buffer): EmbeddedText {
  const iim = iimFromPhotoshop(block)
  if (!iim) return {}
  const datasets = parseIim(iim)
  const isUtf8 = declaresUtf8(datasets)
  const out: EmbeddedText = {}
  for (const [field, key] of Object.entries(IIM_FIELDS) as [TextField, string][]) {
    const values = (datasets.get(key) ?? []).map((bytes) => decodeIimText(bytes, isUtf8)).map(tidy).filter((v) => v !== '')
    if (values.length > 0) out[field] = fit(field, values.join(', '))
  }
  return out
}

// XMP properties by namespace URI (the prefix is whatever the file chose).
const NS = {
  dc: 'http://purl.org/dc/elements/1.1/',
  photoshop: 'http://ns.adobe.com/photoshop/1.0/',
  xmpRights: 'http://ns.adobe.com/xap/1.0/rights/',
  iptcCore: 'http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/',
}
const XMP_FIELDS: Record<TextField, [string, string]> = {
  caption: [NS.dc, 'description'],
  credit: [NS.photoshop, 'Credit'],
  creator: [NS.dc, 'creator'],
  copyright: [NS.dc, 'rights'],
  usageTerms: [NS.xmpRights, 'UsageTerms'],
  altText: [NS.iptcCore, 'AltTextAccessibility'],
}

/** exifr's regex parser is linear but not free: an XMP packet larger than this is not read. */
export const MAX_XMP_BYTES = 512 * 1024

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/** exifr leaves character references as written ("&amp;"); one pass, so "&amp;lt;" stays "&lt;". */
export function decodeXmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (whole, name: string) => {
    if (name[0] !== '#') return ENTITIES[name] ?? whole
    const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10)
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : ''
  })
}

/** A language alternative prefers x-default; a list (dc:creator) is joined. */
function xmpText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) {
    const alternatives = value.filter((v): v is { lang: unknown; value: unknown } => typeof v === 'object' && v !== null && 'lang' in v)
    if (alternatives.length > 0) {
      return xmpText((alternatives.find((v) => v.lang === 'x-default') ?? alternatives[0])!.value)
    }
    const parts = value.map(xmpText).filter((v): v is string => v !== undefined && v.trim() !== '')
    return parts.length > 0 ? parts.join(', ') : undefined
  }
  if (typeof value === 'object' && 'value' in value) return xmpText((value as { value: unknown }).value)
  return undefined
}

export async function readXmp(packet: Buffer): Promise<EmbeddedText> {
  if (packet.length === 0 || packet.length > MAX_XMP_BYTES) return {}
  const exifr = loadExifr()
  let parsed: Record<string, Record<string, unknown>> | undefined
  try {
    parsed = (await exifr.sidecar(packet, {}, 'xmp')) as typeof parsed
  } catch {
    return {}
  }
  if (!parsed) return {}
  const prefixes = new Map<string, string[]>()
  for (const [prefix, uri] of Object.entries(parsed.xmlns ?? {})) {
    if (typeof uri === 'string') prefixes.set(uri, [...(prefixes.get(uri) ?? []), prefix])
  }
  const out: EmbeddedText = {}
  for (const [field, [uri, property]] of Object.entries(XMP_FIELDS) as [TextField, [string, string]][]) {
    for (const prefix of prefixes.get(uri) ?? []) {
      const raw = xmpText(parsed[prefix]?.[property])
      const value = raw === undefined ? '' : tidy(decodeXmlEntities(raw))
      if (value !== '') {
        out[field] = fit(field, value)
        break
      }
    }
  }
  return out
}

/** Embedded text from both blocks; XMP wins where both have a field, as current tools write both and edit XMP. */
export async function readEmbedded(blocks: { iptc?: Buffer | undefined; xmp?: Buffer | undefined }): Promise<EmbeddedText> {
  const fromIptc = blocks.iptc ? readIptc(blocks.iptc) : {}
  const fromXmp = blocks.xmp ? await readXmp(blocks.xmp) : {}
  return { ...fromIptc, ...fromXmp }
}

/** Stored form of any text field: NFC, no control characters, no outer white space. */
export function tidy(text: string): string {
  return cleanText(text).trim()
}

/** Embedded (and imported) values are not refused when too long, just cut (at a code point, never mid-character). */
export function fit(field: TextField, text: string): string {
  const max = TEXT_FIELDS[field].maxLength
  if (text.length <= max) return text
  let out = ''
  for (const char of text) {
    if (out.length + char.length > max) break
    out += char
  }
  return out.trimEnd()
}

/** Explicit fields win; a field left out or empty is taken from the embedded metadata, else "". */
export function mergeText(explicit: EmbeddedText, embedded: EmbeddedText): MediaText {
  const out = {} as MediaText
  for (const field of Object.keys(TEXT_FIELDS) as TextField[]) {
    const given = explicit[field] === undefined ? '' : tidy(explicit[field])
    out[field] = given !== '' ? given : (embedded[field] ?? '')
  }
  return out
}
