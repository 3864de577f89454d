// Locales as stored and compared: BCP 47 tags in their canonical case (pt-br -> pt-BR), so that
// one language is one value for slugs, filters and translation groups whoever typed it.

/** What the API accepts before canonicalising: a language subtag and optional subtags. */
export const LOCALE_PATTERN = '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'
const PATTERN = new RegExp(LOCALE_PATTERN)

/** The canonical form of a BCP 47 tag, or null when it is not one. */
export function canonicalLocale(tag: string): string | null {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag)
    return canonical !== undefined && PATTERN.test(canonical) ? canonical : null
  } catch {
    // A RangeError: structurally invalid (a repeated variant, a subtag of the wrong length).
    return null
  }
}

/**
 * The locale a lookup by slug reads: the default when none is given (made canonical once, as
 * most reads name none and Intl is not free), else the given one in its canonical form.
 */
export function slugLocales(defaultLocale: string): (locale?: string) => string {
  const fallback = canonicalLocale(defaultLocale) ?? defaultLocale
  return (locale) => (locale === undefined ? fallback : (canonicalLocale(locale) ?? locale))
}
