import { render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setLang } from '../lib/i18n/index.svelte'
import { offlineCache } from '../lib/offline'
import { network } from '../lib/state/online.svelte'
import Invoices from './Invoices.svelte'

const PAGE = {
  items: [
    {
      id: '00000000-0000-0000-0000-000000000001',
      number: '1001',
      kind: 'invoice',
      status: 'sent',
      customer_name: 'Tallennettu Oy',
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
    },
  ],
  next_cursor: null,
}

describe('Invoices offline', () => {
  beforeEach(async () => {
    setLang('fi')
    await offlineCache.clear()
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    network.online = true
  })

  it('shows the last loaded list when the network fails, and disables "new invoice" offline', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(PAGE), { status: 200, headers: { 'content-type': 'application/json' } })))
    const first = render(Invoices)
    expect(await screen.findByText('Tallennettu Oy')).toBeTruthy()
    expect(screen.queryByText(/ladattiin/)).toBeNull()
    first.unmount()

    network.online = false
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    render(Invoices)

    expect(await screen.findByText('Tallennettu Oy')).toBeTruthy()
    expect(screen.getByText(/Näytetään tiedot, jotka ladattiin/)).toBeTruthy()
    const button = screen.getByRole('button', { name: 'Uusi lasku' }) as HTMLButtonElement
    expect(button.disabled).toBe(true)
  })
})
