import { describe, expect, it, vi } from 'vitest'
import { REFRESH_KEY, TokenManager, type LockLike, type TokenPair } from './tokens'

/** An exclusive lock shared by the "tabs" of a test, like navigator.locks within one origin. */
function fakeLocks(): LockLike & { held: number; maxHeld: number } {
  let tail: Promise<unknown> = Promise.resolve()
  const locks = {
    held: 0,
    maxHeld: 0,
    request<T>(_name: string, cb: () => Promise<T>): Promise<T> {
      const run = tail.then(async () => {
        locks.held++
        locks.maxHeld = Math.max(locks.maxHeld, locks.held)
        try {
          return await cb()
        } finally {
          locks.held--
        }
      })
      tail = run.catch(() => undefined)
      return run
    },
  }
  return locks
}

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial))
  return {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  }
}

/** The server's rule: each refresh token works once; a reused one revokes the session. */
function fakeServer() {
  let n = 0
  const used = new Set<string>()
  let revoked = false
  const seen: string[] = []
  const refresh = vi.fn(async (token: string): Promise<TokenPair> => {
    seen.push(token)
    await new Promise((r) => setTimeout(r, 5)) // a network round trip
    if (revoked || used.has(token)) {
      revoked = true
      throw Object.assign(new Error('refresh-token-reused'), { status: 401 })
    }
    used.add(token)
    n++
    return { access_token: `a${n}`, refresh_token: `r${n}`, expires_in: 900 }
  })
  return { refresh, seen, get revoked() { return revoked } }
}

describe('TokenManager.refresh', () => {
  it('two concurrent refreshes in one tab make one network refresh', async () => {
    const server = fakeServer()
    const storage = memoryStorage({ [REFRESH_KEY]: 'r0' })
    const tokens = new TokenManager({ storage, locks: fakeLocks(), refreshRequest: server.refresh })

    const [x, y] = await Promise.all([tokens.refresh(), tokens.refresh()])

    expect(server.refresh).toHaveBeenCalledTimes(1)
    expect(x).toBe('a1')
    expect(y).toBe('a1')
    expect(storage.getItem(REFRESH_KEY)).toBe('r1')
    expect(tokens.accessToken()).toBe('a1')
  })

  it('coalesces in one tab even without Web Locks', async () => {
    const server = fakeServer()
    const tokens = new TokenManager({ storage: memoryStorage({ [REFRESH_KEY]: 'r0' }), locks: null, refreshRequest: server.refresh })
    await Promise.all([tokens.refresh(), tokens.refresh(), tokens.validAccessToken()])
    expect(server.refresh).toHaveBeenCalledTimes(1)
  })

  it('two tabs refreshing at once take turns and never send the same refresh token twice', async () => {
    const server = fakeServer()
    const storage = memoryStorage({ [REFRESH_KEY]: 'r0' }) // localStorage is shared by the tabs
    const locks = fakeLocks()
    const tabA = new TokenManager({ storage, locks, refreshRequest: server.refresh })
    const tabB = new TokenManager({ storage, locks, refreshRequest: server.refresh })

    const [a, b] = await Promise.all([tabA.refresh(), tabB.refresh(), tabA.refresh(), tabB.refresh()])

    expect(locks.maxHeld).toBe(1)
    expect(server.seen).toEqual(['r0', 'r1']) // one network refresh per tab, each with the newest token
    expect(server.revoked).toBe(false)
    expect(a).toBe('a1')
    expect(b).toBe('a2')
    expect(storage.getItem(REFRESH_KEY)).toBe('r2')
  })

  it('without the lock the same two tabs would reuse a token (what the lock prevents)', async () => {
    const server = fakeServer()
    const storage = memoryStorage({ [REFRESH_KEY]: 'r0' })
    const tabA = new TokenManager({ storage, locks: null, refreshRequest: server.refresh })
    const tabB = new TokenManager({ storage, locks: null, refreshRequest: server.refresh })
    await Promise.all([tabA.refresh(), tabB.refresh()])
    expect(server.seen).toEqual(['r0', 'r0'])
    expect(server.revoked).toBe(true)
  })

  it('a refused refresh token ends the session', async () => {
    const storage = memoryStorage({ [REFRESH_KEY]: 'old' })
    const refuse = vi.fn(async () => {
      throw Object.assign(new Error('invalid'), { status: 401 })
    })
    const tokens = new TokenManager({ storage, locks: fakeLocks(), refreshRequest: refuse })
    expect(await tokens.refresh()).toBeNull()
    expect(storage.getItem(REFRESH_KEY)).toBeNull()
    expect(tokens.hasSession()).toBe(false)
  })

  it('a network failure keeps the session', async () => {
    const storage = memoryStorage({ [REFRESH_KEY]: 'r0' })
    const offline = vi.fn(async () => {
      throw Object.assign(new Error('offline'), { status: 0 })
    })
    const tokens = new TokenManager({ storage, locks: fakeLocks(), refreshRequest: offline })
    await expect(tokens.refresh()).rejects.toThrow('offline')
    expect(storage.getItem(REFRESH_KEY)).toBe('r0')
  })

  it('an access token near its expiry is not sent', () => {
    let now = 1_000_000
    const tokens = new TokenManager({ storage: memoryStorage(), locks: null, refreshRequest: vi.fn(), now: () => now })
    tokens.setSession({ access_token: 'a', refresh_token: 'r', expires_in: 60 })
    expect(tokens.accessToken()).toBe('a')
    now += 31_000
    expect(tokens.accessToken()).toBeNull()
  })
})
