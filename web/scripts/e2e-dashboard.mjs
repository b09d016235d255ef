// Browser test of the dashboard and the offline data (IndexedDB) of the built PWA, against a
// running API (run `npm run build` first): playwright-core driving the system Chromium.
//
//   LASKUTIN_E2E_API_URL=http://127.0.0.1:8000 node scripts/e2e-dashboard.mjs
//
// Like scripts/e2e.mjs, an in-process static server serves dist/ and forwards /api/ to the API.
// Steps: sign in; an issued invoice shows in the figures, the chart and the latest invoices;
// offline (after a reload from the service worker) the dashboard and the invoice list show the
// last loaded data with the saved-at notice and "new invoice" disabled; sign-out deletes the
// IndexedDB data. Exit code 0 when every step passed.
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { createServer, request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
if (!process.env.LASKUTIN_E2E_API_URL) throw new Error('set LASKUTIN_E2E_API_URL')
const apiUrl = new URL(process.env.LASKUTIN_E2E_API_URL)
const chromePath = process.env.CHROME_PATH ?? '/usr/bin/chromium'
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.webmanifest': 'application/manifest+json' }

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x')
  if (/^\/(api|\.well-known)\//.test(url.pathname)) {
    const up = httpRequest({ host: apiUrl.hostname, port: apiUrl.port, method: req.method, path: req.url, headers: { ...req.headers, host: apiUrl.host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.pipe(res)
    })
    up.on('error', () => { res.writeHead(502); res.end() })
    return req.pipe(up)
  }
  let file = normalize(join(dist, decodeURIComponent(url.pathname)))
  if (!file.startsWith(dist)) { res.writeHead(403); return res.end() }
  const st = await stat(file).catch(() => null)
  if (!st || st.isDirectory()) file = join(dist, 'index.html')
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': url.pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  })
  createReadStream(file).pipe(res)
})
await new Promise((r) => server.listen(0, '127.0.0.1', r))
const base = `http://127.0.0.1:${server.address().port}`

const results = []
async function step(name, fn) {
  const t0 = Date.now()
  try {
    await fn()
    results.push(true)
    console.log(`ok   ${name} (${Date.now() - t0} ms)`)
  } catch (err) {
    results.push(false)
    console.log(`FAIL ${name}: ${String(err?.message ?? err).split('\n').slice(0, 3).join(' | ')}`)
  }
}
const expect = (cond, msg) => { if (!cond) throw new Error(msg) }
const call = async (path, body, token, method = 'POST') => {
  const res = await fetch(new URL(path, apiUrl), {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return res.json()
}
const offlineDb = (page) => page.evaluate(async () => (await indexedDB.databases()).some((d) => d.name === 'laskutin-offline'))

const profile = await mkdtemp(join(tmpdir(), 'laskutin-e2e-dash-'))
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: chromePath,
  headless: true,
  locale: 'fi-FI',
  viewport: { width: 360, height: 740 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
const page = ctx.pages()[0] ?? (await ctx.newPage())
page.setDefaultTimeout(10_000)
const email = `mittari-${Date.now()}@example.fi`
const password = 'kolme pitkää sanaa peräkkäin e2e'
let invoiceId = ''

try {
  await step('an issued invoice made through the API; sign in', async () => {
    await call('/api/v1/auth/signup', { email, password, name: 'Testi Käyttäjä', company_name: 'Dash Oy' })
    const { access_token: token } = await call('/api/v1/auth/login', { email, password })
    await call('/api/v1/company', { business_id: '0116297-6', bank_accounts: [{ iban: 'FI2112345600000785' }] }, token, 'PATCH')
    const customer = await call('/api/v1/customers', { name: 'Kojelauta Oy' }, token)
    const draft = await call('/api/v1/invoices', { customer_id: customer.id, lines: [{ description: 'Työ', quantity: '1', unit_price: '1234.50', vat_rate: '25.5' }], prices_include_vat: true }, token)
    invoiceId = (await call(`/api/v1/invoices/${draft.id}/issue`, undefined, token)).id
    await page.goto(`${base}/`)
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready
      if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }))
    })
    await page.getByLabel('Sähköposti').fill(email)
    await page.getByLabel('Salasana').fill(password)
    await page.getByRole('button', { name: 'Kirjaudu sisään' }).click()
    await page.getByRole('heading', { name: 'Tervetuloa, Testi Käyttäjä' }).waitFor()
  })

  await step('the dashboard: figures, chart with its table, latest invoices', async () => {
    await page.locator('.figure', { hasText: 'Avoimet saatavat' }).filter({ hasText: '1\u00a0234,50\u00a0€' }).waitFor()
    await page.getByRole('img', { name: 'Verollinen myynti kuukausittain, viimeiset 12 kuukautta' }).waitFor()
    expect((await page.locator('figure table tbody tr').count()) === 12, 'the table has not 12 months')
    const link = page.getByRole('link', { name: /Kojelauta Oy/ })
    expect((await link.getAttribute('href')) === `#/invoices/${invoiceId}`, 'the latest invoice does not link to it')
    await page.getByRole('link', { name: 'Uusi lasku' }).waitFor()
    expect((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, 'the dashboard is wider than 360 px')
    await page.goto(`${base}/#/invoices`)
    await page.getByText('Kojelauta Oy').waitFor()
    await page.goto(`${base}/#/`)
    await page.locator('.figure', { hasText: 'Avoimet saatavat' }).waitFor()
    expect(await offlineDb(page), 'no IndexedDB database laskutin-offline')
  })

  await step('offline after a reload: the last loaded dashboard and list, "new invoice" disabled', async () => {
    await ctx.setOffline(true)
    try {
      await page.reload()
      await page.getByText('Ei verkkoyhteyttä').first().waitFor()
      await page.locator('.figure', { hasText: 'Avoimet saatavat' }).filter({ hasText: '1\u00a0234,50\u00a0€' }).waitFor()
      await page.getByText(/Näytetään tiedot, jotka ladattiin/).waitFor()
      expect(await page.getByRole('button', { name: 'Uusi lasku' }).isDisabled(), '"new invoice" is not disabled offline')
      await page.goto(`${base}/#/invoices`)
      await page.getByText('Kojelauta Oy').waitFor()
      await page.getByText(/Näytetään tiedot, jotka ladattiin/).waitFor()
    } finally {
      await ctx.setOffline(false)
    }
  })

  await step('sign-out deletes the offline data', async () => {
    await page.goto(`${base}/#/settings`)
    await page.getByRole('button', { name: 'Kirjaudu ulos' }).click()
    await page.getByRole('heading', { name: 'Kirjaudu sisään' }).waitFor()
    for (let i = 0; i < 50 && (await offlineDb(page)); i++) await page.waitForTimeout(100)
    expect(!(await offlineDb(page)), 'the IndexedDB database laskutin-offline is still there')
  })
} finally {
  await ctx.close()
  await new Promise((r) => server.close(r))
  await rm(profile, { recursive: true, force: true })
}

const failed = results.filter((ok) => !ok).length
console.log(`${results.length - failed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
