// What was loaded, kept for offline use: a tiny key-value store over IndexedDB (no library),
// behind an interface so the cache logic is tested with the in-memory implementation.

/** The object stores: invoice list pages, viewed invoices, the dashboard. */
export type StoreName = 'invoicePages' | 'invoices' | 'dashboard'
export const STORE_NAMES: readonly StoreName[] = ['invoicePages', 'invoices', 'dashboard']

export interface Saved<T> {
  value: T
  /** When it was loaded (ISO instant). */
  savedAt: string
}

export interface OfflineStore {
  get<T>(store: StoreName, key: string): Promise<Saved<T> | undefined>
  put<T>(store: StoreName, key: string, saved: Saved<T>): Promise<void>
  /** Delete everything (sign-out). */
  clear(): Promise<void>
}

export class MemoryStore implements OfflineStore {
  readonly data = new Map<string, Saved<unknown>>()

  async get<T>(store: StoreName, key: string): Promise<Saved<T> | undefined> {
    return this.data.get(`${store}/${key}`) as Saved<T> | undefined
  }

  async put<T>(store: StoreName, key: string, saved: Saved<T>): Promise<void> {
    this.data.set(`${store}/${key}`, saved)
  }

  async clear(): Promise<void> {
    this.data.clear()
  }
}

export const DB_NAME = 'laskutin-offline'
const DB_VERSION = 1

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

/** IndexedDB: one database, one object store per StoreName (out-of-line string keys). */
export class IdbStore implements OfflineStore {
  private db: Promise<IDBDatabase> | null = null

  constructor(private readonly factory: IDBFactory) {}

  private open(): Promise<IDBDatabase> {
    if (!this.db) {
      const request = this.factory.open(DB_NAME, DB_VERSION)
      request.onupgradeneeded = () => {
        for (const name of STORE_NAMES) {
          if (!request.result.objectStoreNames.contains(name)) request.result.createObjectStore(name)
        }
      }
      this.db = done(request).then((db) => {
        // another tab deletes the database (sign-out): let it, and reopen on the next use
        db.onversionchange = () => {
          db.close()
          this.db = null
        }
        return db
      })
      this.db.catch(() => (this.db = null))
    }
    return this.db
  }

  async get<T>(store: StoreName, key: string): Promise<Saved<T> | undefined> {
    const db = await this.open()
    return (await done(db.transaction(store, 'readonly').objectStore(store).get(key))) as Saved<T> | undefined
  }

  async put<T>(store: StoreName, key: string, saved: Saved<T>): Promise<void> {
    const db = await this.open()
    const tx = db.transaction(store, 'readwrite')
    tx.objectStore(store).put(saved, key)
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(tx.error)
      tx.onabort = () => reject(tx.error)
    })
  }

  async clear(): Promise<void> {
    const db = this.db ? await this.db.catch(() => null) : null
    db?.close()
    this.db = null
    await new Promise<void>((resolve) => {
      const request = this.factory.deleteDatabase(DB_NAME)
      request.onsuccess = () => resolve()
      request.onerror = () => resolve()
      request.onblocked = () => resolve() // deleted once the other tabs close it (onversionchange)
    })
  }
}
