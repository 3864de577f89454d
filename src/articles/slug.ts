// Article slugs are made like every other slug (text/slug.ts); the articles' code imports them from here.
export { SLUG_MAX, SLUG_PATTERN, slugify } from '../text/slug.js'
