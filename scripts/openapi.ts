// Writes the OpenAPI document to openapi/openapi.json (`write`), or fails when the committed
// file differs from what the code generates (`check`).
import { generateOpenApiDocument } from '../src/openapi-document.js'
import { projectPath } from '../src/paths.js'
import { writeOrCheck } from './generated-file.js'

writeOrCheck(process.argv[2], {
  file: projectPath('openapi', 'openapi.json'),
  generated: await generateOpenApiDocument(),
  script: 'openapi.js',
  fix: 'run `npm run openapi:write` and commit it',
})
