import { describe, expect, it } from 'vitest'
import { Pager } from './pager.svelte'

describe('Pager', () => {
  it('pages on the cursor and stops at the end', async () => {
    const pages: Record<string, { items: { id: string }[]; next_cursor: string | null }> = {
      '': { items: [{ id: 'a' }, { id: 'b' }], next_cursor: 'c1' },
      c1: { items: [{ id: 'b' }, { id: 'c' }], next_cursor: null },
    }
    const p = new Pager((cursor) => Promise.resolve(pages[cursor ?? '']!))
    await p.more()
    await p.more()
    expect(p.items.map((i) => i.id)).toEqual(['a', 'b', 'c'])
    expect(p.done).toBe(true)
  })
  it('drops an answer that arrives after a reset', async () => {
    type P = { items: { id: string }[]; next_cursor: string | null }
    let release: (v: P) => void = () => {}
    let calls = 0
    const p = new Pager<{ id: string }>(() => {
      calls++
      if (calls === 1) return new Promise<P>((r) => (release = r))
      return Promise.resolve({ items: [{ id: 'new' }], next_cursor: null })
    })
    const first = p.more()
    await p.reset()
    release({ items: [{ id: 'old' }], next_cursor: null })
    await first
    expect(p.items.map((i) => i.id)).toEqual(['new'])
  })
})
