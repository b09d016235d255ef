// What a quote's view offers in each state (docs/quotes.md "States"); pure, tested in quotes.test.ts.
export const QUOTE_STATUSES = ['draft', 'sent', 'accepted', 'declined', 'expired'] as const
export type QuoteStatus = (typeof QUOTE_STATUSES)[number]

export interface QuoteLike {
  status: QuoteStatus
  sent_at: string | null
  invoice_id: string | null
}

export type QuoteAction = 'edit' | 'send' | 'accept' | 'decline' | 'extend' | 'delete' | 'invoice'

export function quoteActions(q: QuoteLike): QuoteAction[] {
  // an expired quote is a draft or a sent one past its last day: sent_at tells which
  const draft = q.status === 'draft' || (q.status === 'expired' && q.sent_at === null)
  switch (q.status) {
    case 'draft':
      return ['edit', 'send', 'accept', 'decline', 'extend', 'delete']
    case 'sent':
      return ['accept', 'decline', 'extend']
    case 'expired':
      return draft ? ['edit', 'extend', 'decline', 'delete'] : ['extend', 'decline']
    case 'accepted':
      return q.invoice_id ? [] : ['invoice']
    default:
      return []
  }
}

/** "YYYY-MM-DD" of a local date, and `days` later. */
export function isoDate(d: Date): string {
  const y = d.getFullYear()
  const m = String(d.getMonth() + 1).padStart(2, '0')
  const day = String(d.getDate()).padStart(2, '0')
  return `${y}-${m}-${day}`
}

export function addDays(iso: string, days: number): string {
  const [y, m, d] = iso.split('-').map(Number)
  const dt = new Date(Date.UTC(y!, m! - 1, d! + days))
  return dt.toISOString().slice(0, 10)
}

/** The default new validity when extending: 30 days from today, or from the old last day if later. */
export function extendedValidity(validUntil: string, today: string, days = 30): string {
  return addDays(validUntil > today ? validUntil : today, days)
}
