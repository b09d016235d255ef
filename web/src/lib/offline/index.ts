// The app's offline cache: IndexedDB in the browser, memory where there is none (tests, old browsers).
import { OfflineCache } from './cache'
import { IdbStore, MemoryStore } from './store'

export { type Loaded, OfflineCache } from './cache'

export const offlineCache = new OfflineCache(
  typeof indexedDB === 'undefined' ? new MemoryStore() : new IdbStore(indexedDB),
)

const COMPANY_KEY = 'laskutin.offlineCompany'

/** Sign-out: delete what was kept for offline use. */
export function forgetOfflineData(): Promise<void> {
  try {
    localStorage.removeItem(COMPANY_KEY)
  } catch {
    // no localStorage
  }
  return offlineCache.clear()
}

/** The active company is known (GET /me): another company than the saved data's deletes it. */
export function offlineCompany(companyId: string): Promise<void> {
  try {
    const before = localStorage.getItem(COMPANY_KEY)
    localStorage.setItem(COMPANY_KEY, companyId)
    // none saved: signed in just now, the data was deleted at sign-out
    if (before === companyId || before === null) return Promise.resolve()
  } catch {
    // no localStorage: keep nothing that may be another company's
  }
  return offlineCache.clear()
}
