// `npm run seed`: loads a small newsroom into DATABASE_PATH — a few stories of the fictional
// river town of Vallmora, with bylines, two author profiles with portraits, a tree of sections,
// tags, wire sources, linked teasers, lead photos (drawn here, uploaded through the real upload
// path so that they get their sizes and files like any other), a story with a published
// correction and one translated into Spanish. Stories, profiles and sections whose slug already
// exists are left alone, so running it twice changes nothing.
import sharp from 'sharp'
import { buildApp } from '../src/app.js'
import { createArticlesRepository } from '../src/articles/repository.js'
import type { ArticleCreate } from '../src/articles/schemas.js'
import { loadConfig } from '../src/config.js'
import { createCorrectionsRepository } from '../src/corrections/repository.js'
import type { CorrectionCreate } from '../src/corrections/schemas.js'
import { openDatabase } from '../src/db/client.js'
import { createKeysRepository } from '../src/keys/repository.js'
import { createOutbox } from '../src/webhooks/outbox.js'

interface SeedPhoto {
  colors: [string, string]
  caption: string
  credit: string
  creator: string
  altText: string
}

interface SeedStory extends ArticleCreate {
  slug: string
  /** Slugs of the author profiles below, for `authorIds`. */
  profiles?: string[]
  photo?: SeedPhoto
  publish?: 'now' | 'later' | 'no'
  /** Slugs of earlier stories to tease with `related` blocks. */
  teasers?: string[]
  /** The slug of an earlier story (in the default locale) that this one translates. */
  translates?: string
  /** Corrections published with the story once it is live. */
  corrections?: CorrectionCreate[]
}

/** The sections, parents first: news has three sections below it. */
const sections = [
  { slug: 'news', name: 'News', description: 'What happened in Vallmora and along the Sella today.' },
  { slug: 'local', name: 'Local', description: 'Streets, bridges, shops and neighbours.', parent: 'news' },
  { slug: 'politics', name: 'Politics', description: 'The town council and the county.', parent: 'news' },
  { slug: 'environment', name: 'Environment', description: 'The river, the reservoir and the weather.', parent: 'news' },
  { slug: 'culture', name: 'Culture', description: 'Music, festivals and the arts.' },
]

interface SeedAuthor {
  slug: string
  name: string
  jobTitle: string
  bio: string
  links: string[]
  email: string
  /** The portrait's background and jacket colours. */
  colors: [string, string]
}

const profiles: SeedAuthor[] = [
  {
    slug: 'marta-quiroga',
    name: 'Marta Quiroga',
    jobTitle: 'River and transport reporter',
    bio: 'Marta has walked every bridge over the Sella and reported on most of them. Before Vallmora Daily she photographed ferries for the coast guard.',
    links: ['https://social.example/@martaquiroga'],
    email: 'marta.quiroga@vallmora-daily.example',
    colors: ['#cfe0ea', '#2f4f6f'],
  },
  {
    slug: 'tomas-ferreira',
    name: 'Tomás Ferreira',
    jobTitle: 'Environment correspondent',
    bio: 'Tomás covers water, farming and the weather from the reservoir to the delta. He keeps a rain gauge on his balcony and its records on his site.',
    links: ['https://tomasferreira.example', 'https://social.example/@tferreira'],
    email: 'tomas.ferreira@vallmora-daily.example',
    colors: ['#ead9c4', '#6b4f2f'],
  },
]

const stories: SeedStory[] = [
  {
    slug: 'vallmora-footbridge-reopens-after-eight-months',
    photo: { colors: ['#5b7fa3', '#d9c9a3'], caption: 'Walkers cross the reopened footbridge over the Sella on Monday morning.', credit: 'Vallmora Daily / Marta Quiroga', creator: 'Marta Quiroga', altText: 'An iron footbridge with new lamps over a calm river at dawn.' },
    title: 'Vallmora footbridge reopens after eight months of repairs',
    subtitle: 'Commuters return to the old crossing, now wider and lit at night',
    summary: 'The iron footbridge over the Sella river carried its first walkers on Monday since cracks closed it in March.',
    section: 'local',
    tags: ['transport', 'infrastructure', 'Sella river'],
    authors: ['Marta Quiroga'],
    profiles: ['marta-quiroga'],
    body: [
      { type: 'paragraph', text: 'The first people across were a baker with two trays of rolls and a boy who ran the whole length <em>twice</em>.' },
      { type: 'paragraph', text: 'Engineers replaced 140 rivets and the timber deck, and added lamps that dim after midnight to spare the bats under the arches.' },
      { type: 'heading', text: 'What changed', level: 2 },
      { type: 'list', style: 'bulleted', items: ['A deck 40 cm wider', 'Ramps at both ends', 'Lighting from dusk to dawn'] },
      { type: 'quote', text: 'We walked around for eight months. Today it feels like the town is stitched back together.', attribution: 'Rosa Ibarz, who runs the kiosk on the east bank' },
    ],
  },
  {
    slug: 'reservoir-falls-to-lowest-level-in-two-decades',
    photo: { colors: ['#c9a66b', '#6b8fb3'], caption: 'The bell tower of Sant Pere stands clear of the Cinca Alta reservoir.', credit: '© EFE / Basin Authority', creator: 'Basin Authority press office', altText: 'A church bell tower rising out of a low reservoir between dry banks.' },
    title: 'Reservoir falls to its lowest level in two decades',
    subtitle: 'Farmers along the valley face a second summer of cuts',
    summary: 'The Cinca Alta reservoir holds 23 percent of its capacity after the driest spring on the station’s records.',
    section: 'environment',
    tags: ['drought', 'water', 'farming'],
    authors: ['Tomás Ferreira', 'Lena Hoang'],
    profiles: ['tomas-ferreira'],
    sources: ['EFE'],
    corrections: [
      {
        type: 'correction',
        text: 'An earlier version of this story said the reservoir held 32 percent of its capacity. It holds <strong>23 percent</strong>.',
      },
    ],
    body: [
      { type: 'paragraph', text: 'The old church of Sant Pere, drowned when the dam was built, shows its bell tower above the water for the first time since 2005.' },
      { type: 'paragraph', text: 'The basin authority will cut irrigation to <strong>two days a week</strong> from June, the same limit as last year.' },
      { type: 'heading', text: 'Who is affected', level: 2 },
      { type: 'paragraph', text: 'About 1,900 farms draw on the canal. Fruit growers say young trees will not survive another rationed summer.' },
      { type: 'quote', text: 'You can plan for one dry year. Two in a row empties the savings of a family farm.', attribution: 'Jordi Mallol, peach grower' },
    ],
  },
  {
    slug: 'council-approves-night-bus-pilot',
    title: 'Council approves a night bus pilot for weekends',
    subtitle: 'Two lines will run until 4 a.m. from September',
    summary: 'The vote passed 14 to 7 after shift workers filled the public gallery.',
    section: 'politics',
    tags: ['transport', 'city council'],
    authors: ['Amadou Sy'],
    body: [
      { type: 'paragraph', text: 'Nurses, bakers and bar staff had asked for a night service for years; the pilot will run for one year before a review.' },
      { type: 'list', style: 'numbered', items: ['N1: station to the hospital', 'N2: old town to the industrial park'] },
      { type: 'paragraph', text: 'The opposition backed the idea but voted against the cost, estimated at 310,000 euros.' },
    ],
    teasers: ['vallmora-footbridge-reopens-after-eight-months'],
  },
  {
    slug: 'youth-orchestra-wins-regional-title',
    title: 'Youth orchestra wins the regional title with a borrowed cello',
    subtitle: 'A last-minute loan saved the final',
    summary: 'Vallmora’s youth orchestra took first prize after its principal cellist’s instrument cracked the night before.',
    section: 'culture',
    tags: ['music', 'youth'],
    authors: ['Lena Hoang'],
    body: [
      { type: 'paragraph', text: 'The cello, lent by a retired teacher from the next village, arrived at the hall forty minutes before the orchestra went on.' },
      { type: 'quote', text: 'It has a darker voice than mine. I had to listen to it before I could play it.', attribution: 'Noa Sert, 16' },
      { type: 'paragraph', text: 'The orchestra will play the winning programme at the <a href="https://example.org/vallmora-summer-concerts">summer concerts</a> in the cloister.' },
    ],
  },
  {
    slug: 'flood-defences-tested-as-sella-rises',
    photo: { colors: ['#3f5566', '#8aa0ad'], caption: 'Volunteers check the raised barrier panels on the east bank overnight.', credit: 'AP / Civil Protection', creator: 'Civil Protection volunteers', altText: 'Metal flood barriers along a swollen brown river at night.' },
    title: 'Flood defences tested as the Sella rises overnight',
    subtitle: 'The new barriers held; two streets were evacuated as a precaution',
    summary: 'The river rose 2.4 metres in nine hours after storms upstream, the highest level since the barriers were finished.',
    section: 'environment',
    tags: ['flood', 'weather', 'Sella river'],
    authors: ['Marta Quiroga'],
    profiles: ['marta-quiroga'],
    sources: ['AP', 'EFE'],
    body: [
      { type: 'paragraph', text: 'Civil protection volunteers knocked on doors in Carrer del Molí from 1 a.m.; 60 residents slept at the sports hall.' },
      { type: 'heading', text: 'The barriers', level: 2 },
      { type: 'paragraph', text: 'The removable panels, installed along the east bank in 2024, were raised for the first time in a real flood.' },
      { type: 'embed', url: 'https://example.org/river-gauge/sella-vallmora', provider: 'River gauge' },
    ],
    teasers: ['reservoir-falls-to-lowest-level-in-two-decades', 'vallmora-footbridge-reopens-after-eight-months'],
  },
  {
    slug: 'reabre-la-pasarela-de-vallmora',
    locale: 'es',
    translates: 'vallmora-footbridge-reopens-after-eight-months',
    title: 'Reabre la pasarela de Vallmora tras ocho meses de obras',
    subtitle: 'Los vecinos vuelven a cruzar el Sella por el viejo paso, ahora más ancho e iluminado',
    summary: 'La pasarela de hierro sobre el río Sella recibió el lunes a sus primeros peatones desde que unas grietas la cerraron en marzo.',
    section: 'local',
    tags: ['transporte', 'infraestructuras', 'río Sella'],
    authors: ['Marta Quiroga'],
    profiles: ['marta-quiroga'],
    body: [
      { type: 'paragraph', text: 'Los primeros en cruzar fueron un panadero con dos bandejas de panecillos y un niño que la recorrió entera <em>dos veces</em>.' },
      { type: 'paragraph', text: 'Los ingenieros cambiaron 140 remaches y el tablero de madera, y añadieron farolas que se atenúan pasada la medianoche para no molestar a los murciélagos.' },
    ],
  },
  {
    slug: 'library-budget-talks-stall',
    title: 'Budget talks stall over library opening hours',
    summary: 'Draft: waiting for the finance committee’s figures.',
    section: 'politics',
    tags: ['city council', 'libraries'],
    authors: ['Amadou Sy'],
    body: [{ type: 'paragraph', text: 'Notes: confirm the Saturday hours with the head librarian before publishing.' }],
    publish: 'no',
  },
  {
    slug: 'harvest-festival-programme-announced',
    title: 'Harvest festival programme announced',
    summary: 'Scheduled: goes live tomorrow morning.',
    section: 'culture',
    tags: ['festivals'],
    authors: ['Tomás Ferreira'],
    profiles: ['tomas-ferreira'],
    body: [{ type: 'paragraph', text: 'Three days of markets, a night parade and a cider contest in the main square.' }],
    publish: 'later',
  },
]

/** A 1200×675 picture: a sky-to-water gradient with a horizon, enough to stand in for a photo. */
function drawPhoto([top, bottom]: [string, string]): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="675">
    <defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${top}"/><stop offset="1" stop-color="${bottom}"/></linearGradient></defs>
    <rect width="1200" height="675" fill="url(#g)"/><rect y="420" width="1200" height="6" fill="#2b2b2b" opacity="0.4"/></svg>`
  return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer()
}

/** A 600×600 portrait: a head and shoulders on a plain background, enough to stand in for a photo. */
function drawPortrait([background, jacket]: [string, string]): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600">
    <rect width="600" height="600" fill="${background}"/><ellipse cx="300" cy="600" rx="220" ry="170" fill="${jacket}"/>
    <circle cx="300" cy="250" r="110" fill="#c99a7a"/></svg>`
  return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer()
}

/** A multipart/form-data body with the file and the photo's text fields. */
function uploadForm(file: Buffer, photo: SeedPhoto, filename: string) {
  const boundary = `----seed${Date.now().toString(16)}`
  const fields = { caption: photo.caption, credit: photo.credit, creator: photo.creator, altText: photo.altText }
  const parts: Buffer[] = []
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
  }
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: image/jpeg\r\n\r\n`))
  parts.push(file, Buffer.from(`\r\n--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

// The uploads go through the app in-process: its request log would only be noise here.
const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env })
const db = openDatabase(config.databasePath)
const app = await buildApp(config, { db })
const articles = createArticlesRepository(db, createOutbox(db), { defaultLocale: config.defaultLocale })
const corrections = createCorrectionsRepository(db, articles)
const keys = createKeysRepository(db)
// A key for the uploads, revoked as soon as the seed is done.
const uploader = keys.create('seed script', 'editor')
const ids = new Map<string, string>()
const authorIds = new Map<string, string>()
let created = 0
const asEditor = { authorization: `Bearer ${uploader.token}` }

/** Uploads a drawn picture and answers its media id. */
async function uploadPicture(file: Buffer, photo: SeedPhoto, filename: string): Promise<string> {
  const form = uploadForm(file, photo, filename)
  const uploaded = await app.inject({ method: 'POST', url: '/v1/media', headers: { ...form.headers, ...asEditor }, payload: form.payload })
  if (uploaded.statusCode !== 201) throw new Error(`uploading ${filename}: ${uploaded.statusCode} ${uploaded.body}`)
  return (uploaded.json() as { id: string }).id
}

try {
  for (const section of sections) {
    if ((await app.inject({ url: `/v1/sections/${section.slug}`, headers: asEditor })).statusCode === 200) continue
    const made = await app.inject({ method: 'POST', url: '/v1/sections', headers: asEditor, payload: section })
    if (made.statusCode !== 201) throw new Error(`making the section ${section.slug}: ${made.statusCode} ${made.body}`)
  }
  for (const { colors, ...profile } of profiles) {
    const existing = await app.inject({ url: `/v1/authors/slug/${profile.slug}` })
    if (existing.statusCode === 200) {
      authorIds.set(profile.slug, (existing.json() as { id: string }).id)
      continue
    }
    const portrait = { colors, caption: `${profile.name}, ${profile.jobTitle.toLowerCase()}.`, credit: 'Vallmora Daily', creator: 'Vallmora Daily', altText: `Portrait of ${profile.name}.` }
    const photoMediaId = await uploadPicture(await drawPortrait(colors), portrait, `${profile.slug}.jpg`)
    const made = await app.inject({ method: 'POST', url: '/v1/authors', headers: asEditor, payload: { ...profile, photoMediaId } })
    if (made.statusCode !== 201) throw new Error(`making the profile ${profile.slug}: ${made.statusCode} ${made.body}`)
    authorIds.set(profile.slug, (made.json() as { id: string }).id)
  }
  for (const { publish = 'now', teasers = [], photo, translates, corrections: notes = [], profiles: bylines = [], ...story } of stories) {
    const existing = articles.getBySlug(story.slug, story.locale)
    if (existing) {
      ids.set(story.slug, existing.id)
      continue
    }
    const leadMediaId = photo ? await uploadPicture(await drawPhoto(photo.colors), photo, `${story.slug}.jpg`) : null
    const body = [...(story.body ?? [])]
    if (leadMediaId !== null) body.splice(1, 0, { type: 'media', mediaId: leadMediaId })
    for (const slug of teasers) {
      const articleId = ids.get(slug)
      if (articleId) body.push({ type: 'related', articleId })
    }
    const translationOf = translates === undefined ? null : (ids.get(translates) ?? null)
    const article = articles.create({ ...story, body, leadMediaId, translationOf, authorIds: bylines.map((slug) => authorIds.get(slug)!) }, null)
    ids.set(story.slug, article.id)
    created += 1
    if (publish === 'now') articles.publish(article.id, undefined, { keyId: null })
    if (publish === 'later') articles.publish(article.id, new Date(Date.now() + 86_400_000).toISOString(), { keyId: null })
    for (const note of notes) corrections.add(article.id, note, null)
  }
  process.stdout.write(
    `Seeded ${created} new stories (${stories.length - created} were already there) into ${config.databasePath}; ` +
      `its ${profiles.length} author profiles and ${sections.length} sections are in place.\n`,
  )
} finally {
  keys.revoke(uploader.id)
  // Closing the app closes the database too.
  await app.close()
}
