import { render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setLang } from '../lib/i18n/index.svelte'
import { offlineCache } from '../lib/offline'
import Dashboard from './Dashboard.svelte'

const months = Array.from({ length: 12 }, (_, i) => {
  const m = i + 4
  const month = m > 12 ? `2026-${String(m - 12).padStart(2, '0')}` : `2025-${String(m).padStart(2, '0')}`
  return { month, net: '0.00', gross: '0.00' }
})
months[11] = { month: '2026-03', net: '190.00', gross: '238.45' }

const DASHBOARD = {
  today: '2026-03-31',
  currency: 'EUR',
  open_receivables: { amount: '1606.00', count: 3 },
  overdue_receivables: { amount: '100.00', count: 1 },
  paid_this_month: '25.50',
  sales_by_month: months,
  latest_invoices: [
    { id: 'i-1', kind: 'invoice', number: '1001', customer_name: 'Asiakas Oy', total: '125.50', status: 'overdue' },
    { id: 'i-2', kind: 'invoice', number: null, customer_name: 'Toinen Oy', total: '10.00', status: 'draft' },
  ],
  attention: { overdue_invoices: 1, drafts: 1, failed_sends: 0 },
}

function answer(body: unknown) {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })
}

describe('Dashboard', () => {
  beforeEach(async () => {
    setLang('fi')
    await offlineCache.clear()
  })
  afterEach(() => vi.unstubAllGlobals())

  it('shows the figures in Finnish, the chart with its table, the latest invoices and the attention list', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => answer(DASHBOARD)))
    render(Dashboard)

    expect(await screen.findByText('1 606,00 €')).toBeTruthy()
    expect(screen.getByText('100,00 €')).toBeTruthy()
    expect(screen.getByText('25,50 €')).toBeTruthy()
    expect(screen.getByText('3 laskua')).toBeTruthy()
    expect(screen.getByRole('img', { name: 'Verollinen myynti kuukausittain, viimeiset 12 kuukautta' })).toBeTruthy()
    const rows = screen.getAllByRole('row')
    expect(rows).toHaveLength(13) // header + 12 months
    const cells = [...rows[12]!.querySelectorAll('th, td')].map((c) => c.textContent!.replace(/\s/g, ' '))
    expect(cells).toEqual(['maaliskuu 2026', '190,00 €', '238,45 €'])
    expect(screen.getByText('1001').closest('a')!.getAttribute('href')).toBe('#/invoices/i-1')
    expect(screen.getByText('Erääntyneitä laskuja: 1')).toBeTruthy()
    expect(screen.getByText('Luonnoksia: 1')).toBeTruthy()
    expect(screen.queryByText(/Epäonnistuneita/)).toBeNull()
    expect(screen.queryByText(/ladattiin/)).toBeNull()
  })

  it('offline, shows the last loaded figures and when they were loaded', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => answer(DASHBOARD)))
    const first = render(Dashboard)
    expect(await screen.findByText('1 606,00 €')).toBeTruthy()
    first.unmount()

    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    render(Dashboard)

    expect(await screen.findByText('1 606,00 €')).toBeTruthy()
    expect(screen.getByText(/Näytetään tiedot, jotka ladattiin/)).toBeTruthy()
  })

  it('offline with nothing saved says the network is out', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    render(Dashboard)

    expect(await screen.findByRole('alert')).toBeTruthy()
    expect(screen.queryByText('1 606,00 €')).toBeNull()
  })
})
