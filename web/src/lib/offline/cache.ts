// Network first, the saved copy only when the server cannot be reached: an answer is never
// served stale while online. The copies are the signed-in user's in the active company: sign-out
// and a change of company delete them all (lib/state/session.svelte.ts).
import { ApiError } from '../api/client'
import type { OfflineStore, StoreName } from './store'

/** The server could not be reached: no network (status 0), or a gateway in front of it says so. */
export function unreachable(err: unknown): boolean {
  return err instanceof ApiError && [0, 502, 503, 504].includes(err.status)
}

export interface Loaded<T> {
  data: T
  /** Shown from the offline copy (the network failed); savedAt says when it was loaded. */
  offline: boolean
  savedAt: string | null
}

export class OfflineCache {
  /** Bumped by clear(): a request that started before a sign-out never writes afterwards. */
  private generation = 0

  constructor(
    private readonly store: OfflineStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Ask the network; keep a successful answer under (store, key). When the server cannot be
   * reached (unreachable(): status 0, 502, 503, 504) answer the saved copy if there is one; any
   * other error, or no copy, is thrown as it came.
   */
  async networkFirst<T>(store: StoreName, key: string, load: () => Promise<T>): Promise<Loaded<T>> {
    const generation = this.generation
    try {
      const data = await load()
      if (generation === this.generation) {
        await this.store.put(store, key, { value: data, savedAt: this.now().toISOString() }).catch(() => {
          // private mode, quota: the app works without the offline copy
        })
      }
      return { data, offline: false, savedAt: null }
    } catch (err) {
      if (!unreachable(err)) throw err
      const saved = await this.store.get<T>(store, key).catch(() => undefined)
      if (!saved) throw err
      return { data: saved.value, offline: true, savedAt: saved.savedAt }
    }
  }

  /** Forget everything saved (sign-out). */
  async clear(): Promise<void> {
    this.generation++
    await this.store.clear().catch(() => {})
  }
}
