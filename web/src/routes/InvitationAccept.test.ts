import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setLang } from '../lib/i18n/index.svelte'
import { navigate, route } from '../lib/state/router.svelte'
import { session } from '../lib/state/session.svelte'
import InvitationAccept from './InvitationAccept.svelte'

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
const preview = (account_exists: boolean) => ({
  company_name: 'Firma Oy', email: 'new@example.fi', role: 'member', invited_by_name: 'Omistaja', expires_at: '2026-12-13T10:00:00Z', account_exists,
})

describe('the invitation page', () => {
  let accountExists = false
  const accepted: Record<string, unknown>[] = []
  beforeEach(() => {
    accepted.length = 0
    accountExists = false
    setLang('en')
    localStorage.clear()
    session.status = 'signedOut'
    session.me = null
    navigate('/invitation?token=tok123', true)
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit = {}) => {
        if (url === '/api/v1/auth/invitations/lookup') {
          const { token } = JSON.parse(String(init.body)) as { token: string }
          if (token !== 'tok123') return new Response(JSON.stringify({ type: '/problems/invitation-used', title: 'Used', status: 400, detail: 'This invitation was accepted already.' }), { status: 400, headers: { 'content-type': 'application/problem+json' } })
          return json(preview(accountExists))
        }
        if (url === '/api/v1/auth/invitations/accept') {
          accepted.push(JSON.parse(String(init.body)))
          return json({ access_token: 'a', refresh_token: 'r', token_type: 'bearer', expires_in: 900 })
        }
        if (url === '/api/v1/me') return json({ user: { id: 'u2', email: 'new@example.fi', name: 'Uusi', email_verified: true }, companies: [{ id: 'c1', name: 'Firma Oy', role: 'member' }], active_company_id: 'c1' })
        return json({}, 404)
      }),
    )
  })
  afterEach(() => vi.unstubAllGlobals())

  it('makes the account with a name and a password, then signs in to the company', async () => {
    render(InvitationAccept)
    await screen.findByText('Omistaja invites you to Firma Oy as Member.')
    await fireEvent.input(screen.getByLabelText('Your name'), { target: { value: 'Uusi Käyttäjä' } })
    await fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'correct horse battery staple' } })
    await fireEvent.click(screen.getByRole('button', { name: 'Create account and accept' }))
    await vi.waitFor(() => expect(route.name).toBe('dashboard'))
    expect(accepted).toEqual([{ token: 'tok123', name: 'Uusi Käyttäjä', password: 'correct horse battery staple' }])
    expect(session.status).toBe('signedIn')
    expect(session.me?.active_company_id).toBe('c1')
  })

  it('offers a sign-in when the address has an account', async () => {
    accountExists = true
    render(InvitationAccept)
    await screen.findByRole('heading', { name: 'Sign in to accept' })
    expect((screen.getByLabelText('E-mail') as HTMLInputElement).value).toBe('new@example.fi')
  })

  it('explains a link for another address and offers to sign out', async () => {
    session.status = 'signedIn'
    session.me = { user: { id: 'u1', email: 'someone@example.fi', name: 'X', email_verified: true }, companies: [], active_company_id: 'c0' } as never
    render(InvitationAccept)
    await screen.findByText(/You are signed in as someone@example.fi, but the invitation is for new@example.fi/)
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeTruthy()
  })

  it("shows the API's message for a used link", async () => {
    navigate('/invitation?token=used', true)
    render(InvitationAccept)
    await screen.findByText('This invitation was accepted already.')
  })
})
