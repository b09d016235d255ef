// A cursor-paged list ({items, next_cursor}) with a reset for new filters; the screens add the
// IntersectionObserver (infinite scroll) and a "show more" button like the invoice list.
export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

export class Pager<T extends { id: string }> {
  items = $state<T[]>([])
  done = $state(false)
  loading = $state(false)
  error = $state<unknown>(null)
  private cursor: string | null = null
  private generation = 0

  constructor(private readonly fetchPage: (cursor: string | null) => Promise<Page<T>>) {}

  /** Start over (the filters changed); an answer for the old filters is dropped. */
  reset(): Promise<void> {
    this.generation++
    this.items = []
    this.cursor = null
    this.done = false
    this.loading = false
    this.error = null
    return this.more()
  }

  async more(): Promise<void> {
    if (this.loading || this.done) return
    const gen = this.generation
    this.loading = true
    this.error = null
    try {
      const page = await this.fetchPage(this.cursor)
      if (gen !== this.generation) return
      const seen = new Set(this.items.map((i) => i.id))
      this.items.push(...page.items.filter((i) => !seen.has(i.id)))
      this.cursor = page.next_cursor
      this.done = page.next_cursor === null
    } catch (err) {
      if (gen === this.generation) this.error = err
    } finally {
      if (gen === this.generation) this.loading = false
    }
  }
}

/** Svelte action: call `onVisible` when the element comes near the viewport. */
export function nearViewport(node: HTMLElement, onVisible: () => void) {
  if (typeof IntersectionObserver === 'undefined') return {}
  let cb = onVisible
  const io = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) cb()
  }, { rootMargin: '400px' })
  io.observe(node)
  return {
    update(next: () => void) {
      cb = next
    },
    destroy() {
      io.disconnect()
    },
  }
}
