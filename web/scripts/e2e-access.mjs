// Browser test of the access screens of the built PWA (run `npm run build` first) against a
// `laskutin serve` in development mode with a worker and `laskutin mailcatcher`
// (tests/e2e/test_access.py starts them):
//
//   LASKUTIN_E2E_API_URL=http://127.0.0.1:8000 node scripts/e2e-access.mjs
//
// The owner invites a new person, who opens the mailed link in a second browser, makes an account
// and lands in the company; re-send and revoke; the owner turns on two-factor sign-in (the code
// computed here from the secret on the page, RFC 6238), signs in again with a code and once with
// a recovery code; the company's requirement leads the member without a factor to the security
// settings; an API key (after switching to pro) works against /api/v1/customers until revoked.
// Exit code 0 when every step passed.
import { createHmac } from 'node:crypto'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const base = (process.env.LASKUTIN_E2E_API_URL ?? 'http://127.0.0.1:8000').replace(/\/$/, '')
const shots = await mkdtemp(join(tmpdir(), 'laskutin-e2e-access-shots-'))
console.log(`screenshots: ${shots}`)
const results = []
const launch = async (name) =>
  chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), `laskutin-e2e-access-${name}-`)), {
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium', headless: true, locale: 'fi-FI', viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
const ctx = await launch('owner')
await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base })
const page = ctx.pages()[0] ?? (await ctx.newPage())
page.on('dialog', (d) => void d.accept())
let ctx2 = null
let page2 = null

async function step(name, fn) {
  try {
    await fn()
    console.log('ok  ', name)
  } catch (e) {
    results.push(name)
    console.log('FAIL', name, String(e.message).split('\n').slice(0, 4).join(' | '))
    await page.screenshot({ path: join(shots, `fail-${results.length}.png`), fullPage: true }).catch(() => {})
    if (page2) await page2.screenshot({ path: join(shots, `fail-${results.length}-invitee.png`), fullPage: true }).catch(() => {})
  }
}
function expect(c, m) {
  if (!c) throw new Error(m)
}
// axe-core on the screen (its <main>) as it is now: serious or critical violations fail the step
const axeSource = await readFile(fileURLToPath(new URL('../node_modules/axe-core/axe.min.js', import.meta.url)), 'utf8')
async function audit(p, what) {
  // evaluated through the DevTools protocol: the page's CSP (script-src 'self') stays as served
  if (!(await p.evaluate(() => 'axe' in window))) await p.evaluate(`${axeSource};0`)
  const found = await p.evaluate(async () => {
    // the screen's own content; the shell around it is the accessibility test's (e2e-a11y.mjs)
    const r = await window.axe.run({ include: [['main']] }, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] })
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.html.slice(0, 140)) }))
  })
  if (!found.length) console.log(`   axe ${what}: no violations`)
  await p.screenshot({ path: join(shots, `${what.replace(/\W+/g, '-')}.png`), fullPage: true })
  for (const v of found) console.log(`   axe ${what}: ${v.impact} ${v.id} ${v.nodes.join(' | ')}`)
  const blocking = found.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(!blocking.length, `${what}: ${blocking.map((v) => v.id).join(', ')}`)
}
const api = async (method, path, body, token) => {
  const r = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID(), ...(token ? { authorization: 'Bearer ' + token } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  return [r.status, r.status === 204 ? null : await r.json().catch(() => null)]
}

// --- RFC 6238 (TOTP, SHA-1, 6 digits, 30 s), as an authenticator app computes it ---------------
function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0')
  const bytes = []
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2))
  return Buffer.from(bytes)
}
function totp(secret, step) {
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(step))
  const h = createHmac('sha1', base32(secret)).update(counter).digest()
  const o = h[h.length - 1] & 15
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0')
}
// A code is accepted once: each use takes a later time step (the server allows now + 1).
let lastStep = 0
async function freshCode(secret) {
  for (;;) {
    const now = Math.floor(Date.now() / 30_000)
    const s = Math.max(now, lastStep + 1)
    if (s <= now + 1) {
      lastStep = s
      return totp(secret, s)
    }
    await new Promise((r) => setTimeout(r, 1000))
  }
}

async function mailLink(address, after = 0) {
  for (let i = 0; i < 80; i++) {
    const [, mails] = await api('GET', '/api/v1/dev/mails?limit=50')
    const found = (mails?.items ?? [])
      .filter((m) => JSON.stringify([m.to, m.subject, m.text]).includes(address))
      .map((m) => /invitation\?token=([\w.~%-]+)/.exec(m.text ?? '')?.[1])
      .filter(Boolean)
    if (found.length > after) return found[0] // newest first
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`no invitation mail to ${address}`)
}
async function linkCount(address) {
  const [, mails] = await api('GET', '/api/v1/dev/mails?limit=50')
  return (mails?.items ?? []).filter((m) => JSON.stringify([m.to, m.text]).includes(address) && /invitation\?token=/.test(m.text ?? '')).length
}
async function narrow(p, hash) {
  await p.goto(base + hash)
  await p.waitForTimeout(700)
  const w = await p.evaluate(() => document.documentElement.scrollWidth)
  expect(w <= 360, `${hash} is ${w} px wide`)
}

const stamp = Date.now()
const email = `owner${stamp}@example.com`, password = 'correct horse battery staple'
const invitee = `new${stamp}@example.com`, other = `other${stamp}@example.com`
await api('POST', '/api/v1/auth/signup', { email, password, name: 'Minä Testaaja', company_name: 'Minun Oy' })
{
  // a complete company, so the onboarding does not come in between
  const [, pair] = await api('POST', '/api/v1/auth/login', { email, password })
  const [s] = await api('PATCH', '/api/v1/company', { business_id: '0737546-2', bank_accounts: [{ iban: 'FI2112345600000785' }] }, pair.access_token)
  expect(s === 200, 'company PATCH ' + s)
}
async function signInPassword(p) {
  await p.getByLabel('Sähköposti').fill(email)
  await p.getByLabel('Salasana').fill(password)
  await p.getByRole('button', { name: 'Kirjaudu sisään' }).click()
}

await step('owner signs in', async () => {
  await page.goto(base + '/')
  await signInPassword(page)
  await page.getByRole('heading', { name: 'Tervetuloa, Minä Testaaja' }).waitFor()
})

await step('invite: field error in words, then an invitation with a role', async () => {
  await page.goto(base + '/#/settings')
  await page.getByRole('heading', { name: 'Kutsu käyttäjä' }).waitFor()
  const roles = await page.locator('select[name=invite_role] option').allTextContents()
  expect(roles.includes('Omistaja'), 'an owner is offered the owner role: ' + roles)
  await page.getByLabel('Kutsuttavan sähköposti').fill('not-an-email')
  await page.getByRole('button', { name: 'Lähetä kutsu' }).click()
  await page.locator('.invite .field-error').waitFor()
  console.log('   field error:', await page.locator('.invite .field-error').textContent())
  await page.getByLabel('Kutsuttavan sähköposti').fill(invitee)
  await page.locator('select[name=invite_role]').selectOption('member')
  await page.getByRole('button', { name: 'Lähetä kutsu' }).click()
  await page.getByText(`Kutsu lähetetty osoitteeseen ${invitee}.`).waitFor()
  await page.locator('.invitations li', { hasText: invitee }).getByText('Odottaa').waitFor()
})

let token = null
await step('the invitee opens the link in another browser, makes an account and lands in the company', async () => {
  token = await mailLink(invitee)
  ctx2 = await launch('invitee')
  page2 = ctx2.pages()[0] ?? (await ctx2.newPage())
  await page2.setViewportSize({ width: 360, height: 740 })
  await page2.goto(`${base}/#/invitation?token=${token}`)
  await page2.getByRole('heading', { name: 'Kutsu yritykseen' }).waitFor()
  await page2.getByText('Minä Testaaja kutsuu sinut yritykseen Minun Oy roolissa Käyttäjä.').waitFor()
  await audit(page2, 'invitation page')
  const w = await page2.evaluate(() => document.documentElement.scrollWidth)
  expect(w <= 360, `the invitation page is ${w} px wide`)
  await page2.getByLabel('Nimesi').fill('Uusi Jäsen')
  await page2.getByLabel('Salasana').fill('another long password here')
  await page2.getByRole('button', { name: 'Luo tunnus ja hyväksy kutsu' }).click()
  await page2.getByRole('heading', { name: 'Tervetuloa, Uusi Jäsen' }).waitFor()
  await page2.locator('.topbar').getByText('Minun Oy').waitFor()
})

await step('a used link shows the API message', async () => {
  await page2.goto(`${base}/#/invitation?token=${token}`)
  await page2.locator('.error').waitFor()
  console.log('   used link:', await page2.locator('.error').first().textContent())
})

await step('owner sees the invitation accepted and the new member', async () => {
  await page.reload()
  await page.locator('.invitations li', { hasText: invitee }).getByText('Hyväksytty').waitFor()
  await page.locator('.members').getByText('Uusi Jäsen').waitFor()
})

await step('re-send and revoke an invitation; the revoked link says so', async () => {
  await page.getByLabel('Kutsuttavan sähköposti').fill(other)
  await page.locator('select[name=invite_role]').selectOption('accountant')
  await page.getByRole('button', { name: 'Lähetä kutsu' }).click()
  await page.locator('.invitations li', { hasText: other }).getByText('Odottaa').waitFor()
  await mailLink(other)
  const before = await linkCount(other)
  await page.getByRole('button', { name: `Lähetä uudelleen: ${other}` }).click()
  await page.getByText(`Uusi kutsulinkki lähetetty osoitteeseen ${other}.`).waitFor()
  const fresh = await mailLink(other, before)
  await page.getByRole('button', { name: `Peru kutsu: ${other}` }).click()
  await page.locator('.invitations li', { hasText: other }).getByText('Peruttu').waitFor()
  await audit(page, 'settings with invitations')
  await page2.goto(`${base}/#/invitation?token=${fresh}`)
  await page2.locator('.error').waitFor()
  console.log('   revoked link:', await page2.locator('.error').first().textContent())
})

await step('requiring two-factor before having it explains itself', async () => {
  await page.goto(base + '/#/settings')
  await page.getByLabel('Edellytä käyttäjiltä kaksivaiheista tunnistautumista').check()
  await page.getByText('Ota ensin kaksivaiheinen tunnistautuminen käyttöön omalle tunnuksellesi.').waitFor()
  expect(!(await page.getByLabel('Edellytä käyttäjiltä kaksivaiheista tunnistautumista').isChecked()), 'the switch stayed on')
})

let secret = null
let recovery = []
await step('owner turns on two-factor: QR code, secret, code, recovery codes saved', async () => {
  await page.getByRole('button', { name: 'Ota käyttöön' }).click()
  await page.getByRole('img', { name: 'QR-koodi todennussovellukselle' }).waitFor()
  secret = (await page.locator('.secret').textContent()).replace(/\s/g, '')
  await audit(page, 'two-factor setup')
  expect(/^[A-Z2-7]{16,}$/.test(secret), 'secret ' + secret)
  await page.getByLabel('Sovelluksen näyttämä 6-numeroinen koodi').fill('000000')
  await page.getByRole('button', { name: 'Vahvista ja ota käyttöön' }).click()
  await page.locator('.field-error').first().waitFor()
  await page.getByLabel('Sovelluksen näyttämä 6-numeroinen koodi').fill(await freshCode(secret))
  await page.getByRole('button', { name: 'Vahvista ja ota käyttöön' }).click()
  await page.getByRole('heading', { name: 'Varakoodit' }).waitFor()
  recovery = (await page.locator('.codes li').allTextContents()).map((s) => s.trim())
  expect(recovery.length === 10, 'codes: ' + recovery.length)
  await audit(page, 'recovery codes')
  const download = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Lataa tekstitiedostona' }).click()
  const file = await (await download).path()
  const text = await readFile(file, 'utf8')
  expect(recovery.every((c) => text.includes(c)), 'the file lacks codes')
  await page.getByRole('button', { name: 'Kopioi koodit' }).click()
  await page.getByText(/Kopioi(tu leikepöydälle|nti ei onnistunut)/).waitFor()
  expect(await page.getByRole('button', { name: 'Valmis' }).isDisabled(), '"done" before "saved"')
  await page.getByLabel('Olen tallentanut varakoodit').check()
  await page.getByRole('button', { name: 'Valmis' }).click()
  await page.getByText('Kaksivaiheinen tunnistautuminen on käytössä').waitFor()
  await page.getByText('Varakoodeja jäljellä: 10').waitFor()
})

await step('the company requires two-factor; the member without it is led to the security settings', async () => {
  await page.getByLabel('Edellytä käyttäjiltä kaksivaiheista tunnistautumista').check()
  await page.waitForTimeout(300)
  await page.reload()
  await page.getByLabel('Edellytä käyttäjiltä kaksivaiheista tunnistautumista').waitFor()
  expect(await page.getByLabel('Edellytä käyttäjiltä kaksivaiheista tunnistautumista').isChecked(), 'not saved')
  await page2.goto(base + '/#/customers')
  await page2.getByText('Yritys edellyttää kaksivaiheista tunnistautumista. Ota se käyttöön alla').waitFor()
  expect(page2.url().includes('#/settings'), 'not led to the settings: ' + page2.url())
  await page2.getByRole('button', { name: 'Ota käyttöön' }).waitFor()
  await audit(page2, 'two-factor required')
  const w = await page2.evaluate(() => document.documentElement.scrollWidth)
  expect(w <= 360, `the security settings are ${w} px wide`)
  // the owner lets it be again
  await page.getByLabel('Edellytä käyttäjiltä kaksivaiheista tunnistautumista').uncheck()
  await page.waitForTimeout(500)
})

await step('a link for another address offers sign-out; an existing account signs in to accept', async () => {
  const third = `third${stamp}@example.com`
  await api('POST', '/api/v1/auth/signup', { email: third, password: 'third long password here', name: 'Kolmas Käyttäjä', company_name: 'Kolmas Oy' })
  await page.goto(base + '/#/settings')
  await page.getByLabel('Kutsuttavan sähköposti').fill(third)
  await page.locator('select[name=invite_role]').selectOption('admin')
  await page.getByRole('button', { name: 'Lähetä kutsu' }).click()
  await page.locator('.invitations li', { hasText: third }).getByText('Odottaa').waitFor()
  const link = await mailLink(third)
  await page2.goto(`${base}/#/invitation?token=${link}`)
  await page2.getByText(`Olet kirjautunut osoitteella ${invitee}, mutta kutsu on osoitteelle ${third}.`, { exact: false }).waitFor()
  await audit(page2, 'invitation for another address')
  await page2.getByRole('button', { name: 'Kirjaudu ulos' }).click()
  await page2.getByRole('heading', { name: 'Kirjaudu sisään hyväksyäksesi' }).waitFor()
  expect((await page2.getByLabel('Sähköposti').inputValue()) === third, 'the address is not filled in')
  await page2.getByLabel('Salasana').fill('wrong password for sure')
  await page2.getByRole('button', { name: 'Kirjaudu ja hyväksy' }).click()
  await page2.locator('.error').waitFor()
  await page2.getByLabel('Salasana').fill('third long password here')
  await page2.getByRole('button', { name: 'Kirjaudu ja hyväksy' }).click()
  await page2.locator('.topbar').getByText('Minun Oy').waitFor()
  expect(!page2.url().includes('invitation'), 'still on the invitation page: ' + page2.url())
})

await step('a member of two companies switches between them in the settings', async () => {
  await page2.goto(base + '/#/settings')
  const picker = page2.getByLabel('Aktiivinen yritys')
  await picker.selectOption({ label: 'Kolmas Oy – Omistaja' })
  await page2.getByRole('button', { name: 'Vaihda', exact: true }).click()
  await page2.locator('.topbar').getByText('Kolmas Oy').waitFor()
  await page2.goto(base + '/#/invoices')
  await page2.goto(base + '/#/settings')
  await page2.getByLabel('Aktiivinen yritys').selectOption({ label: 'Minun Oy – Ylläpitäjä' })
  await page2.getByRole('button', { name: 'Vaihda', exact: true }).click()
  await page2.locator('.topbar').getByText('Minun Oy').waitFor()
})

await step('sign out, sign in with password + code', async () => {
  await page.goto(base + '/#/settings')
  await page.getByRole('button', { name: 'Kirjaudu ulos' }).first().click()
  await page.getByRole('heading', { name: 'Kirjaudu sisään' }).waitFor()
  await signInPassword(page)
  await page.getByLabel('Vahvistuskoodi').fill(await freshCode(secret))
  await page.getByRole('button', { name: 'Vahvista' }).click()
  await page.getByRole('heading', { name: 'Tervetuloa, Minä Testaaja' }).waitFor()
})

await step('sign out, sign in with a recovery code', async () => {
  await page.goto(base + '/#/settings')
  await page.getByRole('button', { name: 'Kirjaudu ulos' }).first().click()
  await signInPassword(page)
  await page.getByRole('button', { name: 'Käytä varakoodia' }).click()
  await page.getByLabel('Varakoodi').fill(recovery[0])
  await page.getByRole('button', { name: 'Vahvista' }).click()
  await page.getByRole('heading', { name: 'Tervetuloa, Minä Testaaja' }).waitFor()
  await page.goto(base + '/#/settings')
  await page.getByText('Varakoodeja jäljellä: 9').waitFor()
})

let key = null
await step('API key: switch to pro, make a key, it reads customers', async () => {
  await page.getByRole('heading', { name: 'API-avaimet' }).waitFor()
  await page.getByText('API-avaimet kuuluvat Pro-palvelutasoon.').waitFor()
  await page.getByRole('button', { name: 'Vaihda Pro-tasoon' }).click()
  await page.getByLabel('Avaimen nimi').fill('Verkkokauppa')
  await page.getByLabel('Luku ja kirjoitus').check()
  await page.getByRole('button', { name: 'Luo avain' }).click()
  key = (await page.locator('.key').textContent()).trim()
  expect(key.startsWith('lsk_'), 'key ' + key.slice(0, 6))
  await audit(page, 'API key made')
  await page.getByText('Kopioi avain nyt.', { exact: false }).waitFor()
  const r = await fetch(base + '/api/v1/customers', { headers: { authorization: 'Bearer ' + key } })
  expect(r.status === 200, 'customers with the key: ' + r.status)
  const li = page.locator('.keys li', { hasText: 'Verkkokauppa' })
  await li.getByText('Luku ja kirjoitus').waitFor()
  await li.getByText('Luonut Minä Testaaja').waitFor()
  await page.getByRole('button', { name: 'Olen tallentanut avaimen' }).click()
  expect((await page.locator('.key').count()) === 0, 'the key is still shown')
  // the plan switch kept the company form's ETag: saving it is no 412
  await page.getByRole('button', { name: 'Tallenna', exact: true }).click()
  await page.getByText('Asetukset tallennettu.').waitFor()
})

await step('API key: revoke with confirmation; the key stops working', async () => {
  await page.getByRole('button', { name: 'Peru avain Verkkokauppa' }).click()
  await page.getByText('Avain Verkkokauppa peruttu.').waitFor()
  await page.locator('.keys li', { hasText: 'Verkkokauppa' }).getByText('Peruttu').waitFor()
  const r = await fetch(base + '/api/v1/customers', { headers: { authorization: 'Bearer ' + key } })
  expect(r.status === 401, 'customers with a revoked key: ' + r.status)
})

await step('new recovery codes with a current code', async () => {
  await page.getByRole('button', { name: 'Uudet varakoodit' }).click()
  await page.getByLabel('Vahvistuskoodi').fill(await freshCode(secret))
  await page.getByRole('button', { name: 'Luo uudet varakoodit' }).click()
  await page.getByRole('heading', { name: 'Varakoodit' }).waitFor()
  await page.getByLabel('Olen tallentanut varakoodit').check()
  await page.getByRole('button', { name: 'Valmis' }).click()
  await page.getByText('Varakoodeja jäljellä: 10').waitFor()
})

await step('no horizontal scroll at 360 px', async () => {
  await page.setViewportSize({ width: 360, height: 740 })
  await narrow(page, '/#/settings')
  await narrow(page, '/#/settings?section=security')
})

await step('turn two-factor off with the password', async () => {
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.goto(base + '/#/settings')
  await page.getByRole('button', { name: 'Poista käytöstä' }).click()
  await page.getByRole('button', { name: 'Poista kaksivaiheinen tunnistautuminen' }).click()
  await page.locator('.field-error').first().waitFor()
  await page.locator('form.sub').getByLabel('Salasana').fill(password)
  await page.getByRole('button', { name: 'Poista kaksivaiheinen tunnistautuminen' }).click()
  await page.getByText('Kaksivaiheinen tunnistautuminen ei ole käytössä.').waitFor()
})

await ctx.close()
await ctx2?.close()
console.log(results.length ? `${results.length} step(s) failed` : 'all steps passed')
process.exit(results.length ? 1 : 0)
