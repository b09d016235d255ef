// Live totals for the editors: one POST /invoices/preview 400 ms after the last change; a late
// answer to an older request is dropped. Each line's amount is kept by the line's key, so it
// moves with the line when lines are reordered. (Quotes use the same preview with invoice_date =
// the quote date, docs/quotes.md; recurring templates with the next run's date.)
import { ApiError, type Schemas } from '../api/client'
import { debounce } from './lines'

export type PreviewBody = Schemas['InvoiceCreate']
export type PreviewAnswer = Schemas['InvoicePreview']

export class LivePreview {
  preview = $state<PreviewAnswer | null>(null)
  previewing = $state(false)
  fields = $state<Record<string, string>>({})
  amounts = $state<Record<string, string>>({})
  private seq = 0
  private readonly debounced: ((body: PreviewBody, keys: string[]) => void) & { cancel(): void }

  constructor(post: (body: PreviewBody) => Promise<PreviewAnswer>, ms = 400) {
    this.debounced = debounce((body: PreviewBody, keys: string[]) => void this.now(post, body, keys), ms)
  }

  /** Ask again after the pause (the body changed). */
  run(body: PreviewBody, keys: string[]): void {
    this.debounced(body, keys)
  }

  cancel(): void {
    this.debounced.cancel()
    this.seq++
  }

  private async now(post: (body: PreviewBody) => Promise<PreviewAnswer>, body: PreviewBody, keys: string[]): Promise<void> {
    const seq = ++this.seq
    this.previewing = true
    try {
      const answer = await post(body)
      if (seq !== this.seq) return
      this.preview = answer
      this.amounts = Object.fromEntries(keys.flatMap((key, i) => (answer.lines[i] ? [[key, answer.lines[i].net_amount]] : [])))
      this.fields = {}
    } catch (err) {
      if (seq !== this.seq) return
      this.fields = err instanceof ApiError ? err.fields : {}
    } finally {
      if (seq === this.seq) this.previewing = false
    }
  }
}
