import { afterEach, describe, expect, it, vi } from 'vitest'
import { navigate, parseHash, route } from '../state/router.svelte'
import {
  groupSecret,
  isCompanyResource,
  invitableRoles,
  invitationActions,
  invitationToken,
  isTwoFactorRequired,
  keyScopes,
  recoveryCodesFilename,
  recoveryCodesText,
  sameAddress,
} from './access'
import { twoFactorGate, watchTwoFactor } from './gate.svelte'

describe('access helpers', () => {
  it('groups a base32 secret in fours for typing', () => {
    expect(groupSecret('jbswy3dpehpk3pxpjbswy3dpehpk3pxp')).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP')
    expect(groupSecret('ABCDEF')).toBe('ABCD EF')
    expect(groupSecret(' AB CD-EF ')).toBe('ABCD EF')
    expect(groupSecret('')).toBe('')
  })

  it('offers the owner role only to owners', () => {
    expect(invitableRoles('owner')).toEqual(['owner', 'admin', 'member', 'accountant'])
    expect(invitableRoles('admin')).toEqual(['admin', 'member', 'accountant'])
    expect(invitableRoles(undefined)).not.toContain('owner')
  })

  it('allows a new link for open and expired invitations, revoking only open ones', () => {
    expect(invitationActions('pending')).toEqual({ resend: true, revoke: true })
    expect(invitationActions('expired')).toEqual({ resend: true, revoke: false })
    expect(invitationActions('accepted')).toEqual({ resend: false, revoke: false })
    expect(invitationActions('revoked')).toEqual({ resend: false, revoke: false })
  })

  it('parses the invitation route and its token', () => {
    const r = parseHash('#/invitation?token=abc_DEF-123.x%7E')
    expect(r.name).toBe('invitation')
    expect(invitationToken(r.params)).toBe('abc_DEF-123.x~')
    expect(invitationToken(parseHash('#/invitation').params)).toBe('')
  })

  it('compares addresses without letter case', () => {
    expect(sameAddress('Maija@Example.fi', 'maija@example.fi ')).toBe(true)
    expect(sameAddress('a@example.fi', 'b@example.fi')).toBe(false)
    expect(sameAddress(undefined, 'b@example.fi')).toBe(false)
  })

  it('writes the recovery codes as a text file, one a line', () => {
    const text = recoveryCodesText(['aaaa-bbbb', 'cccc-dddd'], { title: 'T', account: 'me@example.fi', made: '6.12.2026', note: 'N' })
    expect(text.split('\r\n')).toEqual(['T', 'me@example.fi', '6.12.2026', '', 'aaaa-bbbb', 'cccc-dddd', '', 'N', ''])
    expect(recoveryCodesFilename(new Date('2026-12-06T18:00:00Z'))).toBe('laskutin-recovery-codes-2026-12-06.txt')
  })

  it('knows the two-factor-required problem', () => {
    expect(isTwoFactorRequired(403, { type: '/problems/two-factor-required' })).toBe(true)
    expect(isTwoFactorRequired(403, { type: 'https://x.example/problems/two-factor-required' })).toBe(true)
    expect(isTwoFactorRequired(403, { type: '/problems/forbidden' })).toBe(false)
    expect(isTwoFactorRequired(401, { type: '/problems/two-factor-required' })).toBe(false)
    expect(isTwoFactorRequired(403, null)).toBe(false)
  })

  it("tells the company's resources from the user's own", () => {
    expect(isCompanyResource('/api/v1/invoices?limit=5')).toBe(true)
    expect(isCompanyResource('http://127.0.0.1:8000/api/v1/company')).toBe(true)
    expect(isCompanyResource('/api/v1/me')).toBe(false)
    expect(isCompanyResource('/api/v1/me/two-factor')).toBe(false)
    expect(isCompanyResource('/api/v1/auth/refresh')).toBe(false)
    expect(isCompanyResource('/api/v1/dev/mails?limit=1')).toBe(false)
    expect(isCompanyResource('/api/v1/members')).toBe(true)
  })

  it('maps the scope choice to scopes', () => {
    expect(keyScopes('read')).toEqual(['read'])
    expect(keyScopes('write')).toEqual(['read', 'write'])
  })
})

describe('the two-factor gate', () => {
  afterEach(() => {
    twoFactorGate.required = false
  })
  const problem = (type: string, status = 403) =>
    new Response(JSON.stringify({ type, title: 'x', status, detail: 'x' }), { status, headers: { 'content-type': 'application/problem+json' } })

  it('leads to the security settings on 403 two-factor-required, leaving the answer readable', async () => {
    navigate('/invoices', true)
    const f = watchTwoFactor(vi.fn(async () => problem('/problems/two-factor-required')))
    const res = await f('/api/v1/invoices')
    expect((await res.json()).type).toBe('/problems/two-factor-required')
    await vi.waitFor(() => expect(route.name).toBe('settings'))
    expect(route.params.get('section')).toBe('security')
    expect(twoFactorGate.required).toBe(true)
  })

  it('lets go when a company resource answers again', async () => {
    twoFactorGate.required = true
    await watchTwoFactor(vi.fn(async () => new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } })))('/api/v1/me')
    expect(twoFactorGate.required).toBe(true)
    await watchTwoFactor(vi.fn(async () => new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } })))('/api/v1/invoices')
    expect(twoFactorGate.required).toBe(false)
  })

  it('leaves other answers alone', async () => {
    navigate('/invoices', true)
    const f = watchTwoFactor(vi.fn(async () => problem('/problems/forbidden')))
    await f('/api/v1/invoices')
    await new Promise((r) => setTimeout(r, 10))
    expect(route.name).toBe('invoices')
    expect(twoFactorGate.required).toBe(false)
  })
})
