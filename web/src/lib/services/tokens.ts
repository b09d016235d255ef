// Tokens: the access token lives in memory only; the refresh token in localStorage, so a new tab
// or a reload stays signed in. A refresh token works ONCE (the server rotates it, and a reused
// one revokes the whole session), so every refresh, in every tab, runs inside one Web Lock and
// reads the refresh token from storage inside it: a tab that waited gets the token the previous
// holder stored, never one that is already spent. Concurrent refreshes inside one tab share one
// request.

export const REFRESH_KEY = 'laskutin.refresh'
export const LOCK_NAME = 'laskutin-token-refresh'
/** Refresh this long before the access token expires. */
const EXPIRY_SKEW_MS = 30_000

export interface TokenPair {
  access_token: string
  refresh_token: string
  expires_in: number
}

export interface LockLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>
}

export interface TokenDeps {
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
  /** navigator.locks; null where the browser has none (then only this tab is serialised). */
  locks: LockLike | null
  /** POST /auth/refresh. Throws an error with `status` 400/401 when the token is refused. */
  refreshRequest(refreshToken: string): Promise<TokenPair>
  now?: () => number
}

/** Web Locks when the browser has them (secure contexts), else null. */
export function browserLocks(): LockLike | null {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks
  if (!locks) return null
  return { request: (name, cb) => locks.request(name, { mode: 'exclusive' }, cb) }
}

export class TokenManager {
  private access: string | null = null
  private expiresAt = 0
  private inflight: Promise<string | null> | null = null
  private readonly deps: TokenDeps
  private readonly now: () => number

  constructor(deps: TokenDeps) {
    this.deps = deps
    this.now = deps.now ?? Date.now
  }

  /** A signed-in session exists in this browser (a refresh token is stored). */
  hasSession(): boolean {
    return this.readRefresh() !== null
  }

  /** The access token if it is still fresh enough to send, else null. */
  accessToken(): string | null {
    return this.access && this.now() < this.expiresAt - EXPIRY_SKEW_MS ? this.access : null
  }

  /** Store a pair from sign-in, refresh or switching company. */
  setSession(pair: TokenPair): void {
    this.access = pair.access_token
    this.expiresAt = this.now() + pair.expires_in * 1000
    try {
      this.deps.storage.setItem(REFRESH_KEY, pair.refresh_token)
    } catch {
      // storage blocked: the session lasts as long as this tab
      this.memoryRefresh = pair.refresh_token
    }
  }

  /** Forget everything (sign-out); returns the refresh token that was stored, for the server's logout. */
  clear(): string | null {
    const refresh = this.readRefresh()
    this.access = null
    this.expiresAt = 0
    this.memoryRefresh = null
    try {
      this.deps.storage.removeItem(REFRESH_KEY)
    } catch {
      // nothing stored
    }
    return refresh
  }

  /** Another tab removed the refresh token (signed out): drop the access token too. */
  forgetAccess(): void {
    this.access = null
    this.expiresAt = 0
  }

  /** A fresh access token: the current one, or a refreshed one; null when signed out. */
  async validAccessToken(): Promise<string | null> {
    return this.accessToken() ?? this.refresh()
  }

  /**
   * Trade the stored refresh token for a new pair. Calls made while one is running share it;
   * across tabs the Web Lock makes them take turns, each reading the latest stored token.
   */
  refresh(): Promise<string | null> {
    if (!this.inflight) {
      this.inflight = this.withLock(() => this.refreshLocked()).finally(() => {
        this.inflight = null
      })
    }
    return this.inflight
  }

  /**
   * Swap the session for another pair (switching company) inside the refresh lock, so no refresh
   * in any tab spends the old refresh token meanwhile. `request` must not refresh (it would wait
   * for this lock): send it with an access token fetched before. Returns the replaced refresh
   * token, for revoking it on the server.
   */
  replaceSession(request: () => Promise<TokenPair>): Promise<string | null> {
    return this.withLock(async () => {
      const old = this.readRefresh()
      this.setSession(await request())
      return old
    })
  }

  private memoryRefresh: string | null = null

  private readRefresh(): string | null {
    try {
      return this.deps.storage.getItem(REFRESH_KEY) ?? this.memoryRefresh
    } catch {
      return this.memoryRefresh
    }
  }

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.deps.locks ? this.deps.locks.request(LOCK_NAME, fn) : fn()
  }

  private async refreshLocked(): Promise<string | null> {
    const current = this.readRefresh() // read INSIDE the lock: the newest token
    if (!current) {
      this.forgetAccess()
      return null
    }
    try {
      const pair = await this.deps.refreshRequest(current)
      this.setSession(pair)
      return pair.access_token
    } catch (err) {
      const status = (err as { status?: number }).status
      if (status === 400 || status === 401 || status === 403) {
        // refused: the session is over (unless another tab already stored a newer one)
        if (this.readRefresh() === current) this.clear()
        else this.forgetAccess()
        return null
      }
      throw err // network trouble: keep the session, the caller may retry
    }
  }
}
