// Lighthouse 12.2.3 on the web app, for bench/web_app.py:
//   node bench/lighthouse/run.mjs BASE_URL EMAIL PASSWORD REPORT_DIR
// Runs Lighthouse through its Node API on a puppeteer page of Debian's Chromium, for the sign-in
// page (a first visit: Lighthouse resets the storage) and for the dashboard of a signed-in user
// (signed in through the form first; then the service worker and the caches are removed and
// Lighthouse keeps the storage, --disable-storage-reset, so the refresh token in localStorage
// signs the page in and the load is still a cold one), each with the mobile (default) and the
// desktop preset. Writes an HTML and a JSON report per run to REPORT_DIR and prints one JSON
// line: the scores and the audits that lost points.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import lighthouse from 'lighthouse'
import desktopConfig from 'lighthouse/core/config/desktop-config.js'
import puppeteer from 'puppeteer-core'

const [base, email, password, reportDir] = process.argv.slice(2)
const CHROME_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo']
await mkdir(reportDir, { recursive: true })

async function signIn(page) {
  await page.goto(`${base}/#/login`)
  await page.waitForSelector('input[type=email]')
  await page.type('input[type=email]', email)
  await page.type('input[type=password]', password)
  await page.click('form button[type=submit]')
  await page.waitForSelector('main figure', { timeout: 15_000 })
  // keep only localStorage (the refresh token and the language): no service worker, no caches
  await page.evaluate(async () => {
    for (const reg of await navigator.serviceWorker.getRegistrations()) await reg.unregister()
    for (const key of await caches.keys()) await caches.delete(key)
  })
  const cdp = await page.createCDPSession()
  await cdp.send('Network.clearBrowserCache')
  await cdp.detach()
  await page.goto('about:blank')
}

const runs = []
for (const [name, path, signedIn] of [['sign-in', '/#/login', false], ['dashboard', '/#/', true]]) {
  for (const preset of ['mobile', 'desktop']) {
    const browser = await puppeteer.launch({ executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium', headless: true, args: CHROME_ARGS })
    try {
      const page = await browser.newPage()
      if (signedIn) await signIn(page)
      const flags = { output: ['html', 'json'], logLevel: 'error', onlyCategories: CATEGORIES, disableStorageReset: signedIn }
      const result = await lighthouse(`${base}${path}`, flags, preset === 'desktop' ? desktopConfig : undefined, page)
      if (!result) throw new Error('Lighthouse gave no result')
      const { lhr } = result
      const file = join(reportDir, `${name}-${preset}`)
      await writeFile(`${file}.html`, result.report[0])
      await writeFile(`${file}.json`, result.report[1])
      const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)]))
      // the audits that cost points, per category
      const lost = {}
      for (const c of CATEGORIES) {
        lost[c] = (lhr.categories[c]?.auditRefs ?? [])
          .filter((ref) => ref.weight > 0 && lhr.audits[ref.id].score !== null && lhr.audits[ref.id].score < 1)
          .map((ref) => `${ref.id} ${lhr.audits[ref.id].score}${lhr.audits[ref.id].displayValue ? ` (${lhr.audits[ref.id].displayValue})` : ''}`)
      }
      const metrics = Object.fromEntries(['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift', 'speed-index']
        .map((id) => [id, lhr.audits[id]?.displayValue ?? null]))
      const finalUrl = lhr.finalDisplayedUrl
      runs.push({ page: name, preset, url: `${base}${path}`, final_url: finalUrl, scores, lost, metrics, report: `${file}.html`, warnings: lhr.runWarnings })
    } finally {
      await browser.close()
    }
  }
}
console.log(JSON.stringify({ lighthouse: (await import('lighthouse/package.json', { with: { type: 'json' } })).default.version, runs }))
