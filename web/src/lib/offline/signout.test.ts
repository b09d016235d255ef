import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/client'
import { signOut } from '../state/session.svelte'
import { offlineCache } from '.'

describe('sign-out', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('deletes what was kept for offline use', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(null, { status: 204 })))
    await offlineCache.networkFirst('dashboard', 'main', async () => 'figures')

    signOut()
    await new Promise((r) => setTimeout(r, 0))

    await expect(
      offlineCache.networkFirst('dashboard', 'main', () => Promise.reject(new ApiError(0, null))),
    ).rejects.toMatchObject({ status: 0 })
  })
})
