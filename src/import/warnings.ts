// What an import could not carry over as it was: each warning has a kind (summaries count them
// by kind) and a sentence for the editor who reads the per-item results.

export const WARNING_KINDS = [
  'element-dropped', // an HTML element the block model cannot hold (a table, a form, a script)
  'list-flattened', // items of a nested list became items of the list around it
  'text-split', // a text too long for one block, split over several
  'text-shortened', // a field cut to the longest value it may hold
  'markup-dropped', // a field with more inline markup than allowed, kept as plain text
  'body-truncated', // blocks past the 2,000 a body may hold
  'media-unresolved', // a picture in the text that the import does not have
  'media-without-file', // a media item made without its bytes
  'shortcode', // a WordPress shortcode that could not be kept
  'block-dropped', // a block-editor block with no content of its own
  'pages-joined', // a post of several pages (<!--nextpage-->) made one body
  'slug-changed', // the slug was taken: another was made
  'author-matched', // a WordPress author is a profile the newsroom already had (same slug)
  'status-changed', // a status the service has no equivalent of
  'comment-skipped', // a comment not imported (a pingback, trashed, empty)
  'comment-moved', // a reply nested deeper than COMMENT_MAX_DEPTH, attached higher up
  'title-made', // an untitled post, given a title from its text
  'field-ignored', // a value the service cannot take (a malformed language tag)
  'item-skipped', // an item not imported at all
] as const
export type WarningKind = (typeof WARNING_KINDS)[number]

export interface Warning {
  kind: WarningKind
  message: string
}

export const warning = (kind: WarningKind, message: string): Warning => ({ kind, message })

/** As the API and the command line show it: "kind: sentence". */
export const warningText = (w: Warning): string => `${w.kind}: ${w.message}`

/** Quotes a value from the source in a warning, shortened so that a warning stays one line. */
export function quoted(value: string, max = 80): string {
  const flat = value.replace(/\s+/g, ' ').trim()
  return `"${flat.length > max ? `${flat.slice(0, max - 1)}…` : flat}"`
}
