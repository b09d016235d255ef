// Browser test of the customer, product, settings, account-link and dev-mail screens of the built
// PWA (run `npm run build` first) against a `laskutin serve` in development mode with a worker and
// `laskutin mailcatcher` (tests/e2e/test_customers_products_settings.py starts them):
//
//   LASKUTIN_E2E_API_URL=http://127.0.0.1:8000 node scripts/e2e-settings.mjs
//
// The server itself serves web/dist (single-machine mode), so the real CSP applies.
// Exit code 0 when every step passed.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

const base = (process.env.LASKUTIN_E2E_API_URL ?? 'http://127.0.0.1:8000').replace(/\/$/, '')
const shots = await mkdtemp(join(tmpdir(), 'laskutin-e2e-settings-shots-'))
console.log(`screenshots: ${shots}`)
const results = []
const ctx = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'laskutin-e2e-settings-')), {
  executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium', headless: true, locale: 'fi-FI', viewport: { width: 1280, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
const page = ctx.pages()[0] ?? (await ctx.newPage())
async function step(name, fn) {
  try { await fn(); console.log('ok  ', name) } catch (e) { results.push(name); console.log('FAIL', name, String(e.message).split('\n').slice(0, 4).join(' | ')); await page.screenshot({ path: join(shots, `fail-${results.length}.png`), fullPage: true }).catch(() => {}) }
}
const api = async (method, path, body, token) => {
  const r = await fetch(base + path, { method, headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID(), ...(token ? { authorization: 'Bearer ' + token } : {}) }, body: body ? JSON.stringify(body) : undefined })
  return [r.status, r.status === 204 ? null : await r.json().catch(() => null)]
}
const email = `u${Date.now()}@example.com`, password = 'correct horse battery staple'
await api('POST', '/api/v1/auth/signup', { email, password, name: 'Minä Testaaja', company_name: 'Minun Oy' })
await step('sign in, forgot link visible', async () => {
  await page.goto(base + '/')
  await page.getByRole('link', { name: 'Unohditko salasanan?' }).waitFor()
  await page.getByLabel('Sähköposti').fill(email)
  await page.getByLabel('Salasana').fill(password)
  await page.getByRole('button', { name: 'Kirjaudu sisään' }).click()
  // the company has no Y-tunnus or bank account yet: the app offers the onboarding; "later" skips it
  await page.getByRole('heading', { name: 'Yrityksen tiedot' }).waitFor()
  await page.getByRole('button', { name: 'Myöhemmin' }).click()
  await page.getByRole('heading', { name: 'Tervetuloa, Minä Testaaja' }).waitFor()
})
await step('customer: live Y-tunnus message, create, duplicate warning', async () => {
  await page.goto(base + '/#/customers')
  await page.getByRole('link', { name: 'Uusi asiakas' }).click()
  await page.getByLabel('Nimi', { exact: true }).fill('Asiakas Yksi Oy')
  await page.getByLabel('Y-tunnus').fill('0737546-3')
  await page.getByText('Y-tunnus ei ole oikein').waitFor()
  await page.getByLabel('Y-tunnus').fill('0737546-2')
  await page.getByRole('button', { name: 'Tallenna' }).click()
  await page.getByRole('heading', { name: 'Muokkaa asiakasta' }).waitFor()
  await page.getByText('Tallennettu.').waitFor()
  await page.goto(base + '/#/customers/new')
  await page.getByLabel('Nimi', { exact: true }).fill('Asiakas Kaksi')
  await page.getByLabel('Y-tunnus').fill('0737546-2')
  await page.getByLabel('Sähköposti').fill('not-an-email')
  await page.getByRole('button', { name: 'Tallenna' }).click()
  await page.locator('.field-error').first().waitFor()
  console.log('   field error:', await page.locator('.field-error').first().textContent())
  await page.getByLabel('Sähköposti').fill('a@example.com')
  await page.getByRole('button', { name: 'Tallenna' }).click()
  await page.locator('.warning').waitFor()
  console.log('   warning:', await page.locator('.warning').textContent())
})
await step('customer: edit (PATCH with If-Match), archive, list search', async () => {
  await page.getByLabel('Puhelin').fill('040 123 4567')
  await page.getByRole('button', { name: 'Tallenna' }).click()
  await page.getByText('Tallennettu.').waitFor()
  await page.getByRole('button', { name: 'Arkistoi' }).click()
  await page.getByRole('button', { name: 'Palauta arkistosta' }).waitFor()
  await page.goto(base + '/#/customers')
  await page.getByText('Asiakas Yksi Oy').waitFor()
  expect((await page.getByText('Asiakas Kaksi').count()) === 0, 'archived shown')
  await page.getByLabel('Näytä arkistoidut').check()
  await page.getByText('Asiakas Kaksi').waitFor()
  await page.getByLabel('Näytä arkistoidut').uncheck()
  await page.getByLabel('Hae asiakasta').fill('zzz')
  await page.getByText('Ei asiakkaita.').waitFor()
})
function expect(c, m) { if (!c) throw new Error(m) }
await step('product: create and edit', async () => {
  await page.goto(base + '/#/products/new')
  await page.getByLabel('Nimi suomeksi').fill('Suunnittelutyö')
  await page.getByLabel('Yksikkö', { exact: true }).fill('h')
  await page.getByLabel('Yksikköhinta').fill('85,50')
  await page.getByLabel('Verokanta').selectOption('general')
  await page.getByRole('button', { name: 'Tallenna' }).click()
  await page.getByRole('heading', { name: 'Muokkaa tuotetta' }).waitFor()
  await page.waitForTimeout(800)
  await page.getByLabel('ALV-käsittely').selectOption('AE')
  await page.getByLabel('Verottomuuden peruste').selectOption('construction_reverse_charge')
  await page.getByRole('button', { name: 'Tallenna' }).click()
  await page.getByText('Tallennettu.').waitFor()
  await page.goto(base + '/#/products')
  await page.getByText('Suunnittelutyö').waitFor()
})
await step('settings: IBAN live check, save company', async () => {
  await page.goto(base + '/#/settings')
  await page.getByLabel('Yrityksen nimi').waitFor()
  await page.getByRole('button', { name: 'Lisää tili' }).click()
  await page.getByLabel('IBAN').last().fill('FI21 1234 5600 0007 86')
  await page.getByText('IBAN ei ole oikein').waitFor()
  await page.getByLabel('IBAN').last().fill('FI21 1234 5600 0007 85')
  await page.getByLabel('Y-tunnus').fill('0737546-2')
  await page.getByRole('button', { name: 'Tallenna' }).click()
  await page.getByText('Asetukset tallennettu.').waitFor()
  await page.getByRole('heading', { name: 'Käyttäjät ja roolit' }).waitFor()
  await page.getByText('(sinä)').waitFor()
})
await step('settings: logo upload + preview + delete', async () => {
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')
  await page.locator('input[type=file]').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png })
  await page.getByRole('img', { name: 'Yrityksen logo' }).waitFor()
  await page.getByRole('button', { name: 'Poista logo' }).click()
  await page.getByText('Ei logoa.').waitFor()
})
let verifyToken = null
await step('dev mails: nav entry and the verification mail', async () => {
  await page.getByRole('link', { name: 'Sähköpostit (kehitys)' }).click()
  await page.getByRole('heading', { name: 'Kehitystilan sähköpostit' }).waitFor()
  await page.locator('.mails li').first().waitFor()
  const text = await page.locator('.mails').textContent()
  verifyToken = /verify-email\?token=([\w.~%-]+)/.exec(text)?.[1]
  expect(verifyToken, 'no verification link in ' + text.slice(0, 300))
})
await step('verify e-mail page', async () => {
  await page.goto(`${base}/#/verify-email?token=${verifyToken}`)
  await page.getByText('Sähköpostiosoite on vahvistettu.').waitFor()
})
await step('forgot + reset password', async () => {
  await page.goto(base + '/#/settings')
  await page.getByRole('button', { name: 'Kirjaudu ulos' }).click()
  await page.getByRole('link', { name: 'Unohditko salasanan?' }).click()
  await page.getByLabel('Sähköposti').fill(email)
  await page.getByRole('button', { name: 'Lähetä linkki' }).click()
  await page.getByText('Jos osoitteella on tili').waitFor()
  let token = null
  for (let i = 0; i < 40 && !token; i++) {
    const [, mails] = await api('GET', '/api/v1/dev/mails?limit=20')
    const all = mails.items.map((m) => m.text).join('\n')
    token = /reset-password\?token=([\w.~%-]+)/.exec(all)?.[1]
    if (!token) await new Promise((r) => setTimeout(r, 250))
  }
  expect(token, 'no reset mail')
  await page.goto(`${base}/#/reset-password?token=${token}`)
  await page.getByLabel('Uusi salasana').fill('another long password here')
  await page.getByRole('button', { name: 'Tallenna salasana' }).click()
  await page.getByText('Salasana vaihdettu.').waitFor()
  await page.getByLabel('Sähköposti').fill(email)
  await page.getByLabel('Salasana').fill('another long password here')
  await page.getByRole('button', { name: 'Kirjaudu sisään' }).click()
  await page.getByRole('heading', { name: 'Tervetuloa, Minä Testaaja' }).waitFor()
})
await step('no horizontal scroll at 360 px on my screens', async () => {
  await page.setViewportSize({ width: 360, height: 740 })
  for (const h of ['/#/customers', '/#/customers/new', '/#/products', '/#/products/new', '/#/settings', '/#/dev/mails']) {
    await page.goto(base + h)
    await page.waitForTimeout(700)
    const w = await page.evaluate(() => document.documentElement.scrollWidth)
    expect(w <= 360, `${h} is ${w} px wide`)
  }
})
await ctx.close()
console.log(results.length ? `${results.length} step(s) failed` : 'all steps passed')
process.exit(results.length ? 1 : 0)
