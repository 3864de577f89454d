// The label kept from a client's file name. It is never used as a path: files are stored by
// their hash. It still reaches Content-Disposition headers and editors' screens, so it loses
// any folder part, control and quoting characters, and gets the extension of its real type.

const MAX_LENGTH = 200

// Folder separators, quotes, angle brackets, and C0/C1 controls (header and markup trouble).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001F\u007F-\u009F"<>\\/:*?|]/g

/** Extensions that already name a type correctly, per canonical extension. */
const SYNONYMS: Record<string, string[]> = {
  jpg: ['jpg', 'jpeg', 'jpe', 'jfif'],
  mp4: ['mp4', 'm4v'],
  m4a: ['m4a', 'mp4'],
}

export function cleanFilename(clientName: string | undefined, ext: string): string {
  // Browsers send a bare name, but some clients send a whole path (C:\Users\...\photo.jpg).
  const base = (clientName ?? '').split(/[\\/]/).pop() ?? ''
  let name = base
    .normalize('NFC')
    .replace(UNSAFE, '')
    .replace(/\s+/g, ' ')
    .trim()
    // A leading dot would hide the file on download; trailing dots and spaces confuse Windows.
    .replace(/^[.\s]+|[.\s]+$/g, '')
  const dot = name.lastIndexOf('.')
  const given = dot > 0 ? name.slice(dot + 1).toLowerCase() : ''
  const fits = (SYNONYMS[ext] ?? [ext]).includes(given)
  const stem = fits ? name.slice(0, dot) : name
  const suffix = fits ? given : ext
  const room = MAX_LENGTH - suffix.length - 1
  name = Array.from(stem).slice(0, room).join('').trim()
  return `${name === '' ? 'upload' : name}.${suffix}`
}

/** A Content-Disposition value that every browser reads, with the UTF-8 name for those that can. */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7E]|["\\%;]/g, '_')
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `inline; filename="${ascii}"; filename*=UTF-8''${encoded}`
}
