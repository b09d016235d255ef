import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setLang } from '../lib/i18n/index.svelte'
import Invoices from './Invoices.svelte'

function invoice(n: number, status: string, extra: Record<string, unknown> = {}) {
  return {
    id: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
    number: status === 'draft' ? null : String(1000 + n),
    kind: 'invoice',
    status,
    customer_name: `Asiakas ${n}`,
    customer_id: 'c',
    invoice_date: '2025-06-01',
    due_date: '2025-06-15',
    total: '1234.50',
    net_total: '983.67',
    vat_total: '250.83',
    paid_amount: '0.00',
    credited_amount: '0.00',
    balance: '1234.50',
    reference: null,
    credited_invoice_id: null,
    created_at: '2025-06-01T10:00:00Z',
    updated_at: '2025-06-01T10:00:00Z',
    ...extra,
  }
}

describe('Invoices', () => {
  const urls: string[] = []
  beforeEach(() => {
    urls.length = 0
    setLang('fi')
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        urls.push(url)
        const second = url.includes('cursor=c1')
        const body = second
          ? { items: [invoice(3, 'overdue')], next_cursor: null }
          : { items: [invoice(1, 'draft'), invoice(2, 'paid')], next_cursor: 'c1' }
        return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })
      }),
    )
  })
  afterEach(() => vi.unstubAllGlobals())

  it('lists invoices with status chips, Finnish money and dates, and pages on with next_cursor', async () => {
    render(Invoices)

    expect(await screen.findByText('Asiakas 1')).toBeTruthy()
    expect(screen.getAllByText('Luonnos').length).toBeGreaterThan(0) // draft number and chip
    expect(screen.getByText('Maksettu')).toBeTruthy()
    // (the queries normalise the no-break spaces of "1 234,50 €" to plain spaces)
    expect(screen.getAllByText('1 234,50 €').length).toBe(2)
    expect(screen.getAllByText('1.6.2025').length).toBe(2)

    await fireEvent.click(screen.getByRole('button', { name: 'Näytä lisää' }))
    expect(await screen.findByText('Erääntynyt')).toBeTruthy()
    expect(await screen.findByText('Kaikki laskut näytetty.')).toBeTruthy()
    expect(urls).toEqual(['/api/v1/invoices?limit=50', '/api/v1/invoices?limit=50&cursor=c1'])
  })
})
