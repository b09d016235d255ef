import { describe, expect, it } from 'vitest'
import { REFRESH_KEY, TokenManager, type LockLike } from './tokens'

describe('TokenManager.replaceSession', () => {
  it('stores the new pair inside the lock and returns the replaced refresh token', async () => {
    const store = new Map<string, string>([[REFRESH_KEY, 'old-refresh']])
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    }
    let held = false
    const locks: LockLike = {
      request: async (_name, cb) => {
        held = true
        try {
          return await cb()
        } finally {
          held = false
        }
      },
    }
    const tm = new TokenManager({ storage, locks, refreshRequest: () => Promise.reject(new Error('no refresh')), now: () => 0 })
    let heldDuringRequest = false
    const old = await tm.replaceSession(async () => {
      heldDuringRequest = held
      return { access_token: 'a2', refresh_token: 'new-refresh', expires_in: 900 }
    })
    expect(heldDuringRequest).toBe(true)
    expect(old).toBe('old-refresh')
    expect(store.get(REFRESH_KEY)).toBe('new-refresh')
    expect(tm.accessToken()).toBe('a2')
  })
})
