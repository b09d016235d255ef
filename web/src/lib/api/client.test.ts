import { describe, expect, it, vi } from 'vitest'
import { ApiError, createClient } from './client'

function json(status: number, body: unknown, type = 'application/json', headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type, ...headers } })
}

describe('createClient', () => {
  it('sends the bearer token, Accept-Language and query parameters (repeated for arrays)', async () => {
    const fetch = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => json(200, { items: [], next_cursor: null }))
    const api = createClient({ fetch, lang: () => 'sv', auth: { accessToken: () => 'tok', refresh: vi.fn(), onSessionEnded: vi.fn() } })

    const page = await api.GET('/api/v1/invoices', { query: { status: ['draft', 'paid'], limit: 20, cursor: null } })

    expect(page.items).toEqual([])
    const [url, init] = fetch.mock.calls[0]!
    expect(url).toBe('/api/v1/invoices?status=draft&status=paid&limit=20')
    const headers = init!.headers as Record<string, string>
    expect(headers.Authorization).toBe('Bearer tok')
    expect(headers['Accept-Language']).toBe('sv')
  })

  it('fills path parameters and adds an Idempotency-Key to POST', async () => {
    const fetch = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => json(200, {}))
    const api = createClient({ fetch, lang: () => 'fi' })
    await api.POST('/api/v1/invoices/{id}/issue', { path: { id: 'a b' }, body: {} })
    const [url, init] = fetch.mock.calls[0]!
    expect(url).toBe('/api/v1/invoices/a%20b/issue')
    expect((init!.headers as Record<string, string>)['Idempotency-Key']).toMatch(/.+/)
    expect(init!.method).toBe('POST')
  })

  it('surfaces problem+json with its field messages', async () => {
    const problem = {
      type: '/problems/validation-error',
      title: 'Virheellinen syöte',
      status: 422,
      detail: 'Pyynnössä on 1 virheellinen kenttä.',
      request_id: 'req-1',
      errors: [{ field: 'password', code: 'password-too-short', message: 'Vähintään 15 merkkiä.' }],
    }
    const api = createClient({ fetch: async () => json(422, problem, 'application/problem+json'), lang: () => 'fi' })
    const err = await api
      .POST('/api/v1/auth/signup', { body: { email: 'a@b.fi', password: 'x', name: 'A', company_name: 'B' } })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    const e = err as ApiError
    expect(e.status).toBe(422)
    expect(e.code).toBe('validation-error')
    expect(e.fields).toEqual({ password: 'Vähintään 15 merkkiä.' })
    expect(e.requestId).toBe('req-1')
  })

  it('refreshes once on 401 and retries with the new token', async () => {
    let token = 'old'
    const fetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) =>
      (init!.headers as Record<string, string>).Authorization === 'Bearer new'
        ? json(200, { user: {}, companies: [], active_company_id: 'x' })
        : json(401, { type: '/problems/unauthorized', title: 't', status: 401, detail: 'd' }, 'application/problem+json'),
    )
    const refresh = vi.fn(async () => (token = 'new'))
    const api = createClient({ fetch, lang: () => 'fi', auth: { accessToken: () => token, refresh, onSessionEnded: vi.fn() } })
    await api.GET('/api/v1/me')
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(fetch).toHaveBeenCalledTimes(2)
  })

  it('ends the session when the refresh fails', async () => {
    const onSessionEnded = vi.fn()
    const api = createClient({
      fetch: async () => json(401, { type: '/problems/unauthorized', title: 't', status: 401, detail: 'd' }, 'application/problem+json'),
      lang: () => 'fi',
      auth: { accessToken: () => 'x', refresh: async () => null, onSessionEnded },
    })
    await expect(api.GET('/api/v1/me')).rejects.toMatchObject({ status: 401 })
    expect(onSessionEnded).toHaveBeenCalledTimes(1)
  })

  it('reports an unreachable server as status 0', async () => {
    const api = createClient({ fetch: async () => Promise.reject(new TypeError('Failed to fetch')), lang: () => 'fi' })
    await expect(api.GET('/api/v1/meta')).rejects.toMatchObject({ status: 0, type: 'network' })
  })
})
