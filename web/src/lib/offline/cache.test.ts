import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/client'
import { OfflineCache } from './cache'
import { MemoryStore } from './store'

const NOW = new Date('2026-03-05T10:00:00Z')
const offline = () => Promise.reject(new ApiError(0, null))

describe('OfflineCache', () => {
  it('asks the network first and keeps the answer; offline it answers the saved copy', async () => {
    const store = new MemoryStore()
    const cache = new OfflineCache(store, () => NOW)

    expect(await cache.networkFirst('dashboard', 'main', async () => ({ n: 1 }))).toEqual({
      data: { n: 1 },
      offline: false,
      savedAt: null,
    })
    expect(await cache.networkFirst('dashboard', 'main', offline)).toEqual({
      data: { n: 1 },
      offline: true,
      savedAt: NOW.toISOString(),
    })
  })

  it('never answers the copy while the network answers, and keeps the newest answer', async () => {
    const cache = new OfflineCache(new MemoryStore())
    await cache.networkFirst('invoicePages', 'first', async () => 'old')
    const load = vi.fn(async () => 'new')

    expect((await cache.networkFirst('invoicePages', 'first', load)).data).toBe('new')
    expect(load).toHaveBeenCalledOnce()
    expect((await cache.networkFirst('invoicePages', 'first', offline)).data).toBe('new')
  })

  it('answers the copy when a gateway says the server is down; throws without a copy, and other errors as they came', async () => {
    const cache = new OfflineCache(new MemoryStore())
    await cache.networkFirst('invoices', 'a', async () => 'saved')

    await expect(cache.networkFirst('invoices', 'b', offline)).rejects.toMatchObject({ status: 0 })
    const gateway = () => Promise.reject(new ApiError(503, null))
    expect((await cache.networkFirst('invoices', 'a', gateway)).offline).toBe(true)
    const refused = new ApiError(404, null)
    await expect(cache.networkFirst('invoices', 'a', () => Promise.reject(refused))).rejects.toBe(refused)
  })

  it('keeps stores and keys apart', async () => {
    const cache = new OfflineCache(new MemoryStore())
    await cache.networkFirst('invoices', 'x', async () => 'invoice')
    await cache.networkFirst('invoicePages', 'x', async () => 'page')

    expect((await cache.networkFirst('invoices', 'x', offline)).data).toBe('invoice')
    expect((await cache.networkFirst('invoicePages', 'x', offline)).data).toBe('page')
  })

  it('forgets everything on clear, and an answer that arrives after clear is not kept', async () => {
    const store = new MemoryStore()
    const cache = new OfflineCache(store)
    await cache.networkFirst('dashboard', 'main', async () => 'before')
    let answer: (v: string) => void = () => {}
    const late = cache.networkFirst('dashboard', 'main', () => new Promise<string>((r) => (answer = r)))

    await cache.clear()
    answer('late')

    expect((await late).data).toBe('late') // the caller still gets its answer
    expect(store.data.size).toBe(0)
    await expect(cache.networkFirst('dashboard', 'main', offline)).rejects.toBeInstanceOf(ApiError)
  })

  it('still answers when the store fails (private mode, quota)', async () => {
    const store = new MemoryStore()
    store.put = () => Promise.reject(new Error('QuotaExceededError'))
    const cache = new OfflineCache(store)

    expect((await cache.networkFirst('dashboard', 'main', async () => 1)).data).toBe(1)
  })
})
