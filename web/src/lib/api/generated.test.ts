// @vitest-environment node
// The committed types must be what ../openapi/openapi.json gives today: regenerate into a
// temporary folder with the pinned openapi-typescript and compare byte for byte.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const web = fileURLToPath(new URL('../../../', import.meta.url))

it('src/lib/api/generated matches ../openapi/openapi.json (run `npm run generate:api`)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'laskutin-api-'))
  try {
    const out = join(dir, 'schema.d.ts')
    execFileSync(
      process.execPath,
      [join(web, 'node_modules/openapi-typescript/bin/cli.js'), '../openapi/openapi.json', '-o', out],
      { cwd: web, stdio: 'pipe' },
    )
    const fresh = readFileSync(out, 'utf8')
    const committed = readFileSync(join(web, 'src/lib/api/generated/schema.d.ts'), 'utf8')
    expect(committed === fresh, 'generated API types are stale: run `npm run generate:api`').toBe(true)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}, 30_000)
