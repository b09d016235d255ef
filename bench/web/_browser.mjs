// Shared by the browser helpers of bench/web_app.py: playwright-core from web/node_modules (the
// web app's own dev dependency, so nothing more to install) driving Debian's Chromium.
import { createRequire } from 'node:module'

const require = createRequire(new URL('../../web/package.json', import.meta.url))
export const { chromium } = require('playwright-core')

export const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium'
export const CHROME_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** Sign in through the sign-in form and wait for the dashboard. */
export async function signIn(page, base, email, password) {
  await page.goto(`${base}/#/login`)
  await page.locator('input[type=email]').fill(email)
  await page.locator('input[type=password]').fill(password)
  await page.locator('form button[type=submit]').click()
  await page.waitForFunction(() => !location.hash.startsWith('#/login'))
  await page.locator('main figure').first().waitFor()
}

/** Resolves when a service worker is activated and controls the page. */
export function serviceWorkerControls(page) {
  return page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }))
    const sw = reg.active
    if (sw && sw.state !== 'activated') await new Promise((r) => sw.addEventListener('statechange', () => sw.state === 'activated' && r(undefined)))
  })
}
