import { afterEach, describe, expect, it, vi } from 'vitest'
import { parseHash } from '../state/router.svelte'
import { isRunning, problemsByLine, progressPercent } from './imports'
import { BROWSER_KEY, keepBrowserKey, oidcErrorKey, readOidcReturn, takeBrowserKey, withoutOidcParams } from './oidc'
import { addDays, extendedValidity, quoteActions } from './quotes'
import { scheduleBody, scheduleChanges, scheduleForm } from './recurring'
import { isWorkRoute, workNav } from './routes'
import { LivePreview } from '../invoice/preview.svelte'
import { ApiError } from '../api/client'
import { dictionaries } from '../i18n/index.svelte'

describe('work routes', () => {
  it('parses the quote and recurring paths', () => {
    expect(parseHash('#/quotes').name).toBe('quotes')
    expect(parseHash('#/quotes/new').name).toBe('quoteNew')
    const v = parseHash('#/quotes/abc')
    expect(v.name).toBe('quoteView')
    expect(v.params.get('id')).toBe('abc')
    const e = parseHash('#/quotes/abc/edit')
    expect(e.name).toBe('quoteEdit')
    expect(e.params.get('id')).toBe('abc')
    expect(parseHash('#/recurring').name).toBe('recurring')
    expect(parseHash('#/recurring/new').name).toBe('recurringNew')
    expect(parseHash('#/recurring/r1/edit').name).toBe('recurringEdit')
    expect(parseHash('#/recurring/r1').params.get('id')).toBe('r1')
    expect(parseHash('#/quotes/a/b/c').name).toBe('notFound')
    expect(parseHash('#/oidc?code=x').name).toBe('oidc')
    expect(parseHash('#/oidc?code=x').params.get('code')).toBe('x')
  })
  it('knows its routes and nav entries', () => {
    expect(isWorkRoute('quoteView')).toBe(true)
    expect(isWorkRoute('invoices')).toBe(false)
    expect(workNav('recurringEdit')).toBe('recurring')
    expect(workNav('quoteNew')).toBe('quotes')
    expect(workNav('customers')).toBe(null)
  })
})

describe('quote actions by state', () => {
  it('offers what docs/quotes.md allows', () => {
    expect(quoteActions({ status: 'draft', sent_at: null, invoice_id: null })).toEqual(['edit', 'send', 'accept', 'decline', 'extend', 'delete'])
    expect(quoteActions({ status: 'sent', sent_at: 'x', invoice_id: null })).toEqual(['accept', 'decline', 'extend'])
    expect(quoteActions({ status: 'expired', sent_at: 'x', invoice_id: null })).toEqual(['extend', 'decline'])
    expect(quoteActions({ status: 'expired', sent_at: null, invoice_id: null })).toEqual(['edit', 'extend', 'decline', 'delete'])
    expect(quoteActions({ status: 'accepted', sent_at: 'x', invoice_id: null })).toEqual(['invoice'])
    expect(quoteActions({ status: 'accepted', sent_at: 'x', invoice_id: 'i' })).toEqual([])
    expect(quoteActions({ status: 'declined', sent_at: null, invoice_id: null })).toEqual([])
  })
  it('computes dates without time zones', () => {
    expect(addDays('2026-01-31', 30)).toBe('2026-03-02')
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29')
    expect(extendedValidity('2026-01-01', '2026-02-01')).toBe('2026-03-03')
    expect(extendedValidity('2026-05-01', '2026-02-01', 10)).toBe('2026-05-11')
  })
})

describe('recurring schedule form', () => {
  it('round-trips a schedule and sends nulls for what is off', () => {
    const f = scheduleForm(null, '2026-12-06')
    expect(scheduleBody(f)).toEqual({ unit: 'month', every: 1, day_of_month: null, weekend: 'keep', start_date: '2026-12-06', end_date: null, count: null })
    const read = { unit: 'month' as const, every: 2, day_of_month: 31, weekend: 'friday' as const, start_date: '2026-01-31', end_date: null, count: 6 }
    const form = scheduleForm(read, '2026-12-06')
    expect(form.ends).toBe('count')
    expect(scheduleBody(form)).toEqual(read)
    expect(scheduleBody({ ...form, unit: 'week' }).day_of_month).toBe(null)
    expect(scheduleBody({ ...form, ends: 'date', endDate: '2027-01-01' })).toMatchObject({ end_date: '2027-01-01', count: null })
  })
  it('passes a mistyped number on for the API to name', () => {
    const f = { ...scheduleForm(null, '2026-12-06'), every: 'x' }
    expect(scheduleBody(f).every).toBe('x')
  })
  it('sends only the changed schedule fields', () => {
    const a = scheduleBody(scheduleForm(null, '2026-12-06'))
    expect(scheduleChanges(a, a)).toBe(null)
    expect(scheduleChanges(a, { ...a, count: 3 })).toEqual({ count: 3 })
    expect(scheduleChanges(null, a)).toEqual(a)
  })
})

describe('csv import helpers', () => {
  it('groups bad rows by line in order', () => {
    const g = problemsByLine([
      { line: 4, column: 'Nimi', message: 'a' },
      { line: 2, column: 'Y-tunnus', message: 'b' },
      { line: 4, column: 'Email', message: 'c' },
    ])
    expect(g.map((x) => x.line)).toEqual([2, 4])
    expect(g[1]!.problems.map((p) => p.message)).toEqual(['a', 'c'])
  })
  it('computes the progress', () => {
    expect(progressPercent(0, 0)).toBe(0)
    expect(progressPercent(1, 3)).toBe(33)
    expect(progressPercent(5, 3)).toBe(100)
    expect(isRunning('queued')).toBe(true)
    expect(isRunning('done')).toBe(false)
  })
})

describe('oidc helpers', () => {
  it('keeps the browser key once', () => {
    const m = new Map<string, string>()
    const store = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) }
    keepBrowserKey(store, 'k1')
    expect(m.get(BROWSER_KEY)).toBe('k1')
    expect(takeBrowserKey(store)).toBe('k1')
    expect(takeBrowserKey(store)).toBe(null)
    expect(takeBrowserKey(undefined)).toBe(null)
  })
  it('reads what the callback sent', () => {
    expect(readOidcReturn(new URLSearchParams('code=abc'))).toEqual({ kind: 'code', code: 'abc' })
    expect(readOidcReturn(new URLSearchParams('oidc_error=oidc-denied'))).toEqual({ kind: 'error', code: 'oidc-denied' })
    expect(readOidcReturn(new URLSearchParams('oidc_linked=google'))).toEqual({ kind: 'linked', provider: 'google' })
    expect(readOidcReturn(new URLSearchParams(''))).toEqual({ kind: 'none' })
    expect(withoutOidcParams('/settings', new URLSearchParams('oidc_linked=x&section=security'))).toBe('/settings?section=security')
    expect(withoutOidcParams('/settings', new URLSearchParams('oidc_error=x'))).toBe('/settings')
  })
  it('has words for every problem code in every language', () => {
    expect(oidcErrorKey('oidc-account-exists')).toBe('work.oidc.error.oidc-account-exists')
    expect(oidcErrorKey('/problems/oidc-code-used')).toBe('work.oidc.error.oidc-code-used')
    expect(oidcErrorKey('something-else')).toBe('work.oidc.error.other')
    expect(oidcErrorKey(null)).toBe('work.oidc.error.other')
    for (const lang of ['fi', 'sv', 'en'] as const) {
      expect(dictionaries[lang][oidcErrorKey('oidc-denied')]).toBeTruthy()
    }
  })
})

describe('LivePreview', () => {
  afterEach(() => vi.useRealTimers())
  it('asks once after the pause, keeps amounts by line key and drops late answers', async () => {
    vi.useFakeTimers()
    const answers: ((v: unknown) => void)[] = []
    const post = vi.fn(() => new Promise((resolve) => answers.push(resolve)))
    const live = new LivePreview(post as never, 400)
    const body = { customer_id: 'c', lines: [], prices_include_vat: true }
    live.run(body, ['a'])
    live.run(body, ['a', 'b'])
    await vi.advanceTimersByTimeAsync(400)
    expect(post).toHaveBeenCalledTimes(1)
    live.run(body, ['b', 'a'])
    await vi.advanceTimersByTimeAsync(400)
    expect(post).toHaveBeenCalledTimes(2)
    answers[1]!({ lines: [{ net_amount: '2.00' }, { net_amount: '1.00' }], total: '3.00' })
    answers[0]!({ lines: [{ net_amount: '9.00' }], total: '9.00' })
    await vi.runAllTimersAsync()
    expect(live.amounts).toEqual({ b: '2.00', a: '1.00' })
    expect(live.preview?.total).toBe('3.00')
    expect(live.previewing).toBe(false)
  })
  it('keeps the field messages of a refused preview', async () => {
    vi.useFakeTimers()
    const err = new ApiError(422, { type: '/problems/validation-error', title: 'x', status: 422, detail: 'x', errors: [{ field: 'lines.0.quantity', message: 'bad' }] } as never)
    const live = new LivePreview(() => Promise.reject(err), 10)
    live.run({ customer_id: 'c', lines: [], prices_include_vat: true }, ['a'])
    await vi.advanceTimersByTimeAsync(10)
    await vi.runAllTimersAsync()
    expect(live.fields).toEqual({ 'lines.0.quantity': 'bad' })
  })
})
