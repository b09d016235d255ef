// Accessibility check of every screen of the built PWA (run `npm run build` first) with axe-core,
// against a running API: playwright-core driving the system Chromium.
//
//   LASKUTIN_E2E_API_URL=http://127.0.0.1:8000 node scripts/e2e-a11y.mjs
//
// Like scripts/e2e-dashboard.mjs, an in-process static server serves dist/ and forwards /api/ to
// the API. The test data (a customer, a product, a draft with lines, an issued invoice) is made
// through the API. The screens: sign-in, sign-up, forgot and reset password, verify e-mail,
// dashboard, invoice list, invoice editor (new, and a draft with lines), an issued invoice,
// customers (list, edit, new), products (list, edit), settings (one page: account, company, bank
// accounts, numbering, terms, e-invoicing, logo, members), dev mails, onboarding, not found.
// Each is visited in Finnish (sign-in and the dashboard also in Swedish and English) on a
// desktop viewport and on a 360 px phone; axe-core (node_modules/axe-core) is injected and run
// with the WCAG 2.0/2.1 A and AA rules plus best practices. A step fails when a violation is of
// impact "serious" or "critical"; minor and moderate ones are listed too.
// LASKUTIN_E2E_SHOTS=folder saves a screenshot of each screen. Exit code 0 when every step passed.
import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { createServer, request as httpRequest } from 'node:http'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
// read once: the file is injected into each page (page.addScriptTag)
const axeSource = await readFile(fileURLToPath(new URL('../node_modules/axe-core/axe.min.js', import.meta.url)), 'utf8')
if (!process.env.LASKUTIN_E2E_API_URL) throw new Error('set LASKUTIN_E2E_API_URL')
const apiUrl = new URL(process.env.LASKUTIN_E2E_API_URL)
const chromePath = process.env.CHROME_PATH ?? '/usr/bin/chromium'
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.webmanifest': 'application/manifest+json', '.txt': 'text/plain' }
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']
const BLOCKING = new Set(['serious', 'critical'])

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
    console.log(`FAIL ${name}: ${String(err?.message ?? err).split('\n').slice(0, 40).join('\n       ')}`)
  }
}
const call = async (path, body, token, method = 'POST') => {
  const res = await fetch(new URL(path, apiUrl), {
    method,
    headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID(), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return res.status === 204 ? null : res.json()
}

// --- the test data, through the API ----------------------------------------------------------
const email = `saavutettava-${Date.now()}@example.fi`
const password = 'kolme pitkää sanaa peräkkäin a11y'
await call('/api/v1/auth/signup', { email, password, name: 'Testi Käyttäjä', company_name: 'Saavutettava Oy' })
const { access_token: token } = await call('/api/v1/auth/login', { email, password })
await call('/api/v1/company', { business_id: '0116297-6', bank_accounts: [{ iban: 'FI2112345600000785' }] }, token, 'PATCH')
const customer = await call('/api/v1/customers', { name: 'Esteetön Asiakas Oy', business_id: '0737546-2', email: 'asiakas@example.fi' }, token)
const product = await call('/api/v1/products', { names: { fi: 'Suunnittelutyö', sv: 'Planering', en: 'Design work' }, unit: 'h', unit_price: '85.50', rate_class: 'general' }, token)
const lines = [
  { description: 'Suunnittelutyö', quantity: '3', unit: 'h', unit_price: '85.50', vat_rate: '25.5' },
  { description: 'Kirja', quantity: '1', unit_price: '40.00', vat_rate: '13.5' },
]
const draft = await call('/api/v1/invoices', { customer_id: customer.id, lines, prices_include_vat: true }, token)
const toIssue = await call('/api/v1/invoices', { customer_id: customer.id, lines, prices_include_vat: true }, token)
const issued = await call(`/api/v1/invoices/${toIssue.id}/issue`, undefined, token)

// --- the screens -----------------------------------------------------------------------------
// path; what shows when the screen is ready (a role + name, or a CSS selector)
const PUBLIC = [
  ['sign-in', '/#/login', 'form'],
  ['sign-up', '/#/signup', 'form'],
  ['forgot password', '/#/forgot-password', 'form'],
  ['reset password', '/#/reset-password?token=not-a-real-token', 'form'],
  ['verify e-mail', '/#/verify-email?token=not-a-real-token', '[role=alert], .error, p'],
]
const PRIVATE = [
  ['dashboard', '/#/', 'figure'],
  ['invoice list', '/#/invoices', 'main li, main tr'],
  ['invoice editor (new)', '/#/invoices/new', 'main form'],
  ['invoice editor (with lines)', `/#/invoices/${draft.id}/edit`, 'main form'],
  ['invoice view (issued)', `/#/invoices/${issued.id}`, 'main h1'],
  ['customer list', '/#/customers', 'main li, main tr'],
  ['customer edit', `/#/customers/${customer.id}`, 'main form'],
  ['new customer', '/#/customers/new', 'main form'],
  ['product list', '/#/products', 'main li, main tr'],
  ['product edit', `/#/products/${product.id}`, 'main form'],
  ['settings', '/#/settings', 'main form'],
  ['dev mails', '/#/dev/mails', 'main h1'],
  ['onboarding', '/#/onboarding', 'main h1'],
  ['not found', '/#/no-such-page', 'main h1'],
]
const VIEWPORTS = [['desktop', { width: 1280, height: 900 }], ['phone', { width: 360, height: 740 }]]
const LOCALES = { fi: 'fi-FI', sv: 'sv-FI', en: 'en-GB' }

function describe(violations, details = false) {
  return violations.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 6).map((n) => n.target.join(' ')).join(', ')}${v.nodes.length > 6 ? ` (+${v.nodes.length - 6})` : ''}`
    + (details ? `\n  first: ${v.nodes[0]?.html}\n  ${String(v.nodes[0]?.summary).replace(/\s*\n\s*/g, ' / ')}` : ''))
}

async function audit(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource })
  const found = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary, html: n.html.slice(0, 160) })) }))
  }, TAGS)
  const blocking = found.filter((v) => BLOCKING.has(v.impact))
  const minor = found.filter((v) => !BLOCKING.has(v.impact))
  for (const line of describe(minor)) console.log(`       (${line})`)
  if (blocking.length) throw new Error(`${blocking.length} serious/critical violation(s):\n${describe(blocking, true).join('\n')}`)
}

// LASKUTIN_E2E_SHOTS=folder: a full-page screenshot of every screen checked
const shots = process.env.LASKUTIN_E2E_SHOTS
async function shot(page, name, lang, vpName) {
  if (shots) await page.screenshot({ path: join(shots, `${vpName}-${lang}-${name.replace(/\W+/g, '-')}.png`), fullPage: true })
}

async function visit(page, path, ready) {
  await page.goto(base + path)
  await page.locator(ready).first().waitFor({ state: 'attached' })
  // lazily loaded screens and their data: wait until no "loading" status is left
  await page.waitForFunction(() => !document.querySelector('p.loading'), undefined, { timeout: 10_000 })
  await page.waitForTimeout(600) // the invoice editor's preview runs 400 ms after a change
}

const browser = await chromium.launch({
  executablePath: chromePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})

async function context(viewport, lang, signedIn) {
  const ctx = await browser.newContext({ viewport, locale: LOCALES[lang], serviceWorkers: 'block' })
  await ctx.addInitScript((l) => localStorage.setItem('laskutin.lang', l), lang)
  const page = await ctx.newPage()
  page.setDefaultTimeout(10_000)
  if (signedIn) {
    await page.goto(`${base}/#/login`)
    await page.locator('input[type=email]').fill(email)
    await page.locator('input[type=password]').fill(password)
    await page.locator('form button[type=submit]').click()
    await page.locator('main h1').first().waitFor()
    await page.waitForFunction(() => !location.hash.startsWith('#/login'))
  }
  return [ctx, page]
}

try {
  for (const [vpName, viewport] of VIEWPORTS) {
    for (const lang of ['fi', 'sv', 'en']) {
      const [ctx, page] = await context(viewport, lang, false)
      for (const [name, path, ready] of PUBLIC) {
        if (lang !== 'fi' && name !== 'sign-in') continue
        await step(`${name} (${lang}, ${vpName})`, async () => { await visit(page, path, ready); await shot(page, name, lang, vpName); await audit(page) })
      }
      await ctx.close()
    }
    for (const lang of ['fi', 'sv', 'en']) {
      const [ctx, page] = await context(viewport, lang, true)
      for (const [name, path, ready] of PRIVATE) {
        if (lang !== 'fi' && name !== 'dashboard') continue
        await step(`${name} (${lang}, ${vpName})`, async () => { await visit(page, path, ready); await shot(page, name, lang, vpName); await audit(page) })
      }
      await ctx.close()
    }
  }
} finally {
  await browser.close()
  await new Promise((r) => server.close(r))
}

const failed = results.filter((ok) => !ok).length
console.log(`${results.length - failed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
