import { render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setLang } from '../lib/i18n/index.svelte'
import { parseHash, route } from '../lib/state/router.svelte'
import { BROWSER_KEY } from '../lib/work/oidc'
import SignIn from './SignIn.svelte'

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' } })

describe('SignIn with OpenID Connect', () => {
  const calls: { url: string; body: unknown }[] = []
  let exchange: () => Response
  beforeEach(() => {
    calls.length = 0
    setLang('fi')
    sessionStorage.clear()
    vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
      calls.push({ url, body: init?.body ? JSON.parse(String(init.body)) : null })
      if (url.endsWith('/auth/oidc/providers')) return json({ items: [{ id: 'google', name: 'Google' }] })
      if (url.endsWith('/auth/oidc/exchange')) return exchange()
      return json({}, 404)
    }))
  })
  afterEach(() => vi.unstubAllGlobals())

  it('shows one button per provider and an oidc_error in words', async () => {
    Object.assign(route, parseHash('#/login?oidc_error=oidc-denied'))
    render(SignIn)
    expect(await screen.findByRole('button', { name: 'Kirjaudu: Google' })).toBeTruthy()
    expect(screen.getByText('Kirjautuminen peruttiin palvelussa.')).toBeTruthy()
  })

  it('trades the code with the kept browser key and shows the two-factor step', async () => {
    exchange = () => json({ two_factor_required: true, challenge: 'ch1', expires_in: 300, methods: ['totp'] })
    sessionStorage.setItem(BROWSER_KEY, 'key-1')
    Object.assign(route, parseHash('#/oidc?code=abc'))
    render(SignIn)
    expect(await screen.findByLabelText('Vahvistuskoodi')).toBeTruthy()
    expect(calls.find((c) => c.url.endsWith('/exchange'))?.body).toEqual({ code: 'abc', browser_key: 'key-1' })
    expect(sessionStorage.getItem(BROWSER_KEY)).toBe(null) // taken once
  })

  it('says so when the code is refused', async () => {
    exchange = () => json({ type: '/problems/oidc-code-expired', title: 'x', status: 400, detail: 'x' }, 400)
    sessionStorage.setItem(BROWSER_KEY, 'key-1')
    Object.assign(route, parseHash('#/oidc?code=abc'))
    render(SignIn)
    expect(await screen.findByText('Kirjautumiskoodi vanheni. Aloita alusta.')).toBeTruthy()
  })
})
