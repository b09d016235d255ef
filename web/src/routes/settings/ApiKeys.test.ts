import { fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setLang } from '../../lib/i18n/index.svelte'
import ApiKeys from './ApiKeys.svelte'

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })
const row = { id: 'k1', name: 'Shop', scopes: ['read', 'write'], prefix: 'lsk_ab12', state: 'active', created_by_name: 'Owner', created_at: '2026-12-01T10:00:00Z', last_used_at: null, revoked_at: null }

describe('API key settings', () => {
  const calls: { method: string; url: string; body: unknown; ifMatch: string | null }[] = []
  beforeEach(() => {
    calls.length = 0
    setLang('en')
    vi.stubGlobal('confirm', vi.fn(() => true))
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit = {}) => {
        calls.push({ method: init.method ?? 'GET', url, body: init.body ? JSON.parse(String(init.body)) : null, ifMatch: new Headers(init.headers).get('If-Match') })
        if (url === '/api/v1/company') return json({ plan: 'pro' }, 200, { etag: '"2"' })
        if (url.startsWith('/api/v1/api-keys') && init.method === 'POST') return json({ ...row, key: 'lsk_secret_value' }, 201)
        if (url.startsWith('/api/v1/api-keys')) return json({ items: [row], next_cursor: null })
        return json({}, 404)
      }),
    )
  })
  afterEach(() => vi.unstubAllGlobals())

  it('on the free plan explains, and the owner switches to pro with If-Match after a confirmation', async () => {
    const onCompany = vi.fn()
    render(ApiKeys, { plan: 'free', isOwner: true, onCompany, etag: '"1"' })
    expect(screen.getByText('API keys come with the Pro plan.')).toBeTruthy()
    await fireEvent.click(screen.getByRole('button', { name: 'Switch to Pro' }))
    await waitFor(() => expect(onCompany).toHaveBeenCalledWith({ plan: 'pro' }))
    expect(calls).toEqual([{ method: 'PATCH', url: '/api/v1/company', body: { plan: 'pro' }, ifMatch: '"1"' }])
  })

  it('an admin on the free plan is told to ask the owner', () => {
    render(ApiKeys, { plan: 'free', isOwner: false, onCompany: () => {} })
    expect(screen.queryByRole('button', { name: 'Switch to Pro' })).toBeNull()
    expect(screen.getByText('The company’s owner can switch the plan.')).toBeTruthy()
  })

  it('makes a read/write key, shows it once, lists keys with their details', async () => {
    render(ApiKeys, { plan: 'pro', isOwner: false, onCompany: () => {} })
    await screen.findByText('Made by Owner', { exact: false })
    expect(screen.getByText('Not used yet')).toBeTruthy()
    await fireEvent.input(screen.getByLabelText('Key name'), { target: { value: 'Shop' } })
    await fireEvent.click(screen.getByLabelText('Read and write'))
    await fireEvent.click(screen.getByRole('button', { name: 'Create key' }))
    await screen.findByText('lsk_secret_value')
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'Shop', scopes: ['read', 'write'] })
    await fireEvent.click(screen.getByRole('button', { name: 'I have saved the key' }))
    expect(screen.queryByText('lsk_secret_value')).toBeNull()
  })
})
