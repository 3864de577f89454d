// Makes an API key from the command line (the way to get the first admin key):
//   npm run key:create -- --name "Night desk" --role editor
// It opens DATABASE_PATH (applying migrations) and prints the secret once.
import { parseArgs } from 'node:util'
import { loadConfig } from '../src/config.js'
import { closeDatabase, openDatabase } from '../src/db/client.js'
import { ROLES, type Role } from '../src/http/auth.js'
import { createKeysRepository } from '../src/keys/repository.js'

const { values } = parseArgs({
  options: { name: { type: 'string' }, role: { type: 'string', default: 'admin' } },
  strict: true,
})

const role = values.role as Role
if (!values.name || values.name.trim() === '' || !ROLES.includes(role)) {
  process.stderr.write(`usage: npm run key:create -- --name "<name>" --role <${ROLES.join('|')}>\n`)
  process.exit(2)
}

const config = loadConfig()
const db = openDatabase(config.databasePath)
try {
  const key = createKeysRepository(db).create(values.name.trim(), role)
  process.stdout.write(`Created ${key.role} key "${key.name}" (${key.id}) in ${config.databasePath}.\n`)
  process.stdout.write(`Secret (shown once; store it now):\n${key.token}\n`)
} finally {
  closeDatabase(db)
}
