// A repeat visit offline, for bench/web_app.py:
//   node bench/web/offline_repeat.mjs BASE_URL EMAIL PASSWORD RUNS
// Signs in and opens the invoice list once online (the service worker installs, the list goes to
// IndexedDB); then, offline (context.setOffline(true) and every /api/ request aborted), reloads
// the invoice list RUNS times. Each time: milliseconds from the navigation start (the page's
// performance.timeOrigin) until the first invoice row is in the DOM, recorded in the page by a
// MutationObserver. Prints one JSON line.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CHROME_ARGS, CHROME_PATH, chromium, serviceWorkerControls, signIn } from './_browser.mjs'

const [base, email, password, runsArg] = process.argv.slice(2)
const runs = Number(runsArg ?? 10)
const ROW = 'ul.invoices li.invoice'
const profile = await mkdtemp(join(tmpdir(), 'laskutin-bench-offline-'))
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: CHROME_PATH, headless: true, locale: 'fi-FI', viewport: { width: 360, height: 740 }, args: CHROME_ARGS,
})
try {
  await ctx.addInitScript((row) => {
    const seen = () => {
      if (window.__rowsAt === undefined && document.querySelector(row)) window.__rowsAt = performance.now()
      return window.__rowsAt !== undefined
    }
    new MutationObserver((_, obs) => seen() && obs.disconnect()).observe(document, { childList: true, subtree: true })
  }, ROW)
  const page = ctx.pages()[0] ?? (await ctx.newPage())
  page.setDefaultTimeout(15_000)
  await signIn(page, base, email, password)
  await serviceWorkerControls(page)
  await page.goto(`${base}/#/invoices`)
  await page.locator(ROW).first().waitFor()
  const online = await page.locator(ROW).count()
  await page.waitForTimeout(500) // the list is written to IndexedDB
  await ctx.setOffline(true)
  await ctx.route('**/api/**', (route) => route.abort('internetdisconnected'))
  const times = []
  let rows = 0
  for (let i = 0; i < runs; i++) {
    await page.reload()
    await page.waitForFunction(() => window.__rowsAt !== undefined)
    times.push(await page.evaluate(() => window.__rowsAt))
    rows = await page.locator(ROW).count()
  }
  const controlled = await page.evaluate(() => navigator.serviceWorker.controller !== null)
  // the list came from IndexedDB: the app says when it was loaded
  const savedNotice = (await page.getByText(/Näytetään tiedot, jotka ladattiin/).count()) > 0
  console.log(JSON.stringify({ times, rows_online: online, rows_offline: rows, controlled, saved_notice: savedNotice }))
} finally {
  await ctx.close()
  await rm(profile, { recursive: true, force: true })
}
