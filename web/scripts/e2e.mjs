// Browser smoke test of the built PWA (run `npm run build` first): playwright-core driving the
// system Chromium (/usr/bin/chromium, never a downloaded browser).
//
//   LASKUTIN_E2E_API_URL=http://127.0.0.1:8000 node scripts/e2e.mjs
//
// An in-process static server on 127.0.0.1 serves dist/ with CDN-like headers and forwards
// /api/ and /.well-known/ to LASKUTIN_E2E_API_URL (an API the caller runs). Without that
// variable only the steps that need no API run. Exit code 0 when every step passed.
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { createServer, request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const apiUrl = process.env.LASKUTIN_E2E_API_URL ? new URL(process.env.LASKUTIN_E2E_API_URL) : null
const chromePath = process.env.CHROME_PATH ?? '/usr/bin/chromium'
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.webmanifest': 'application/manifest+json', '.txt': 'text/plain' }

let apiUp = true // the test turns the API "off" for the offline step
const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x')
  if (/^\/(api|\.well-known)\//.test(url.pathname)) {
    if (!apiUrl || !apiUp) {
      res.writeHead(503, { 'content-type': 'application/problem+json' })
      return res.end(JSON.stringify({ type: '/problems/unavailable', title: 'Unavailable', status: 503, detail: 'no API in this test' }))
    }
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
  if (!st || st.isDirectory()) file = join(dist, 'index.html') // SPA fallback
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
    results.push([true, name])
    console.log(`ok   ${name} (${Date.now() - t0} ms)`)
  } catch (err) {
    results.push([false, name])
    console.log(`FAIL ${name}: ${String(err?.message ?? err).split('\n').slice(0, 3).join(' | ')}`)
    await page.screenshot({ path: join(shots, `fail-${results.length}.png`), fullPage: true }).catch(() => {})
  }
}
const expect = (cond, msg) => { if (!cond) throw new Error(msg) }

const profile = await mkdtemp(join(tmpdir(), 'laskutin-e2e-'))
const shots = process.env.LASKUTIN_E2E_SCREENSHOTS ?? (await mkdtemp(join(tmpdir(), 'laskutin-e2e-shots-')))
await mkdir(shots, { recursive: true })
console.log(`screenshots: ${shots}`)
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: chromePath,
  headless: true,
  locale: 'fi-FI',
  viewport: { width: 360, height: 740 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
const page = ctx.pages()[0] ?? (await ctx.newPage())
page.setDefaultTimeout(10_000)

try {
  await step('the sign-in screen renders in Finnish with a manifest', async () => {
    await page.goto(`${base}/`)
    await page.getByRole('heading', { name: 'Kirjaudu sisään' }).waitFor()
    expect(await page.locator('link[rel="manifest"]').count() === 1, 'no manifest link')
    expect((await page.evaluate(() => document.documentElement.lang)) === 'fi', 'html lang is not fi')
  })

  await step('the service worker is activated and controls the page', async () => {
    await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready
      if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }))
      const sw = reg.active
      if (sw.state !== 'activated') await new Promise((r) => sw.addEventListener('statechange', () => sw.state === 'activated' && r(undefined)))
    })
  })

  await step('the language picker switches to Swedish and back', async () => {
    await page.getByLabel('Kieli').selectOption('sv')
    await page.getByRole('heading', { name: 'Logga in' }).waitFor()
    await page.getByLabel('Språk').selectOption('fi')
    await page.getByRole('heading', { name: 'Kirjaudu sisään' }).waitFor()
  })

  await step('no horizontal scrolling at 360 px', async () => {
    expect((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, 'wider than 360 px')
  })

  if (apiUrl) {
    const email = `e2e-${Date.now()}@example.fi`
    const password = 'kolme pitkää sanaa peräkkäin e2e'
    let apiToken = null
    const call = async (path, body, token, method = 'POST') => {
      const res = await fetch(new URL(path, apiUrl), {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      })
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
      return res.json()
    }
    await step('sign up, then sign in', async () => {
      await page.getByRole('link', { name: 'Luo tili' }).click()
      await page.getByLabel('Nimesi').fill('Testi Käyttäjä')
      await page.getByLabel('Yrityksen nimi').fill('E2E Oy')
      await page.getByLabel('Sähköposti').fill(email)
      await page.getByLabel('Salasana').fill(password)
      await page.getByRole('button', { name: 'Luo tili' }).click()
      await page.getByText('Tili luotu.').waitFor()
      await page.getByLabel('Salasana').fill(password)
      await page.getByRole('button', { name: 'Kirjaudu sisään' }).click()
      await page.getByRole('heading', { name: 'Tervetuloa, Testi Käyttäjä' }).waitFor()
    })

    await step('the invoice list shows a draft made through the API', async () => {
      const { access_token } = await call('/api/v1/auth/login', { email, password })
      apiToken = access_token
      const customer = await call('/api/v1/customers', { name: 'Asiakas E2E Oy' }, access_token)
      await call('/api/v1/invoices', { customer_id: customer.id, lines: [{ description: 'Työ', quantity: '1', unit_price: '1234.50', vat_rate: '25.5' }], prices_include_vat: true }, access_token)
      await page.getByRole('navigation').getByRole('link', { name: 'Laskut' }).click()
      await page.getByRole('heading', { name: 'Laskut' }).waitFor()
      await page.getByText('Asiakas E2E Oy').waitFor()
      await page.locator('.chip.draft', { hasText: 'Luonnos' }).waitFor()
      await page.getByText('1\u00a0234,50\u00a0€').waitFor()
      expect((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, 'the list is wider than 360 px')
      await page.screenshot({ path: join(tmpdir(), 'laskutin-e2e-invoices.png') })
    })

    await step('the company is set up through the API (business ID, bank account)', async () => {
      await call('/api/v1/company', { business_id: '0116297-6', bank_accounts: [{ iban: 'FI2112345600000785' }] }, apiToken, 'PATCH')
    })

    await step('the editor: a new customer, one line, live totals, issue', async () => {
      await page.getByRole('link', { name: 'Uusi lasku' }).click()
      await page.getByRole('heading', { name: 'Uusi lasku' }).waitFor()
      await page.getByRole('button', { name: 'Uusi asiakas' }).click()
      await page.getByLabel('Asiakkaan nimi').fill('Selain Oy')
      await page.getByLabel('Asiakkaan sähköposti').fill('laskut@selain.example')
      await page.getByRole('button', { name: 'Lisää asiakas' }).click()
      await page.getByRole('button', { name: 'Vaihda asiakas' }).waitFor()
      await page.getByLabel('Kuvaus').fill('Konsultointi')
      await page.getByLabel('Yksikköhinta').fill('250,00')
      await page.getByTestId('editor-total').filter({ hasText: '250,00\u00a0€' }).waitFor()
      await page.getByText('ALV 25.5 %').waitFor()
      const wide = await page.evaluate(() => [...document.querySelectorAll('main *')].filter((el) => el.getBoundingClientRect().right > 361).slice(0, 3).map((el) => `${el.tagName}.${el.className}`).join(', '))
      expect(!wide && (await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, `the editor is wider than 360 px: ${wide}`)
      await page.screenshot({ path: join(shots, 'editor-360.png'), fullPage: true })
      await page.getByRole('button', { name: 'Vahvista lasku' }).click()
      await page.getByRole('heading', { name: /^Lasku \d+$/ }).waitFor()
      await page.locator('.chip.issued').waitFor()
    })

    await step('the invoice view shows the PDF inline (a blob: iframe)', async () => {
      const frame = page.locator('iframe[title="Lasku PDF-muodossa"]')
      await frame.waitFor()
      expect((await frame.getAttribute('src'))?.startsWith('blob:'), 'the PDF frame is not a blob: URL')
      const wide = await page.evaluate(() => [...document.querySelectorAll('main *')].filter((el) => el.getBoundingClientRect().right > 361 && !el.closest('.scroll')).slice(0, 3).map((el) => `${el.tagName}.${el.className}`).join(', '))
      expect(!wide && (await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, `the view is wider than 360 px: ${wide}`)
      await page.screenshot({ path: join(shots, 'view-360.png'), fullPage: true })
      await page.setViewportSize({ width: 1280, height: 900 })
      await page.screenshot({ path: join(shots, 'view-1280.png'), fullPage: true })
      await page.setViewportSize({ width: 360, height: 740 })
    })

    await step('send by e-mail: the delivery is queued', async () => {
      expect((await page.getByLabel('Vastaanottajat (pilkuin eroteltuna)').inputValue()) === 'laskut@selain.example', 'recipients not prefilled')
      await page.getByRole('button', { name: 'Lähetä', exact: true }).click()
      await page.getByTestId('delivery').filter({ hasText: /Lähetys: (jonossa|lähtemässä|lähetetty)/ }).waitFor()
    })

    await step('recording the full payment makes the invoice paid', async () => {
      await page.getByRole('button', { name: 'Kirjaa maksu' }).click()
      await page.locator('.chip.paid', { hasText: 'Maksettu' }).waitFor()
      await page.getByTestId('balance').filter({ hasText: '0,00\u00a0€' }).waitFor()
      await page.getByRole('navigation').getByRole('link', { name: 'Laskut' }).click()
      await page.getByRole('heading', { name: 'Laskut' }).waitFor()
    })

    await step('a reload stays signed in (refresh token in localStorage)', async () => {
      await page.reload()
      await page.getByRole('heading', { name: 'Laskut' }).waitFor()
      // The reload's token refresh must have its answer before the next step cuts the network:
      // an answer lost after the server rotated the token leaves a spent refresh token behind.
      await page.waitForLoadState('networkidle')
    })

    await step('offline: the banner shows and the shell still loads', async () => {
      apiUp = false // first: nothing sent from now on reaches the API and gets lost on the way back
      await ctx.setOffline(true)
      await page.getByRole('status').filter({ hasText: 'Ei verkkoyhteyttä' }).waitFor()
      await page.reload()
      await page.getByText('Ei verkkoyhteyttä').waitFor()
      await ctx.setOffline(false)
      apiUp = true
      // Back online the app refreshes its tokens; let that finish before moving on. A page
      // unloaded while a refresh is in flight loses the rotated token (the server has spent
      // the old one), which is the rotation working as designed, not what this step tests.
      await page.getByText('Ei verkkoyhteyttä').waitFor({ state: 'hidden' })
      await page.waitForLoadState('networkidle')
    })

    await step('sign out', async () => {
      // a same-document navigation: no reload while anything may still be in flight
      await page.evaluate(() => { location.hash = '#/settings' })
      await page.getByRole('button', { name: 'Kirjaudu ulos' }).click()
      await page.getByRole('heading', { name: 'Kirjaudu sisään' }).waitFor()
      expect((await page.evaluate(() => localStorage.getItem('laskutin.refresh'))) === null, 'refresh token left behind')
    })
  } else {
    await step('offline: the banner shows and the shell loads from the service worker', async () => {
      await ctx.setOffline(true)
      await page.getByText('Ei verkkoyhteyttä').waitFor()
      await page.reload()
      await page.getByRole('heading', { name: 'Kirjaudu sisään' }).waitFor()
      await page.getByText('Ei verkkoyhteyttä').waitFor()
      await ctx.setOffline(false)
    })
    console.log('(LASKUTIN_E2E_API_URL not set: the steps that need the API were skipped)')
  }
} finally {
  await ctx.close()
  await new Promise((r) => server.close(r))
  await rm(profile, { recursive: true, force: true })
}

const failed = results.filter(([ok]) => !ok).length
console.log(`${results.length - failed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
