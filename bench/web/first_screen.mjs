// The JavaScript and CSS the first screen (the sign-in page of a first visit) loads, for
// bench/web_app.py:   node bench/web/first_screen.mjs BASE_URL
// Prints one JSON line: each script and style sheet the page requested (not the service worker's
// precache downloads), its raw size, its gzip -9 size and the bytes on the wire.
import { gzipSync } from 'node:zlib'
import { CHROME_ARGS, CHROME_PATH, chromium } from './_browser.mjs'

const base = process.argv[2]
const browser = await chromium.launch({ executablePath: CHROME_PATH, headless: true, args: CHROME_ARGS })
try {
  const ctx = await browser.newContext({ locale: 'fi-FI', viewport: { width: 360, height: 740 } })
  const page = await ctx.newPage()
  const pending = []
  page.on('response', (response) => {
    const type = response.request().resourceType()
    if (type !== 'script' && type !== 'stylesheet') return
    pending.push((async () => {
      const body = await response.body()
      const sizes = await response.request().sizes().catch(() => null)
      return {
        url: new URL(response.url()).pathname,
        type: type === 'script' ? 'js' : 'css',
        status: response.status(),
        encoding: (await response.headerValue('content-encoding')) ?? 'identity',
        raw: body.length,
        gzip: gzipSync(body, { level: 9 }).length,
        transfer: sizes ? sizes.responseBodySize : null,
      }
    })())
  })
  await page.goto(`${base}/`)
  await page.locator('input[type=email]').waitFor()
  await page.waitForLoadState('networkidle')
  await page.waitForTimeout(500)
  const files = await Promise.all(pending)
  console.log(JSON.stringify({ screen: new URL(page.url()).hash, files }))
} finally {
  await browser.close()
}
