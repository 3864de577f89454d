// drizzle-kit: `npm run db:generate` writes a migration for each change to the tables in src/db/.
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'sqlite',
  schema: ['./src/db/schema.ts', './src/db/schema-article-extras.ts', './src/db/schema-distribution.ts', './src/db/schema-authors-sections.ts', './src/db/schema-background.ts'],
  out: './migrations',
})
