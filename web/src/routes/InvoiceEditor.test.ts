import { fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setLang } from '../lib/i18n/index.svelte'
import { anyDirty } from '../lib/state/dirty'
import InvoiceEditor from './InvoiceEditor.svelte'

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' } })

const customer = { id: 'c1', name: 'Asiakas Oy', business_id: null, email: 'a@example.fi', einvoice_address: null }

describe('InvoiceEditor', () => {
  const previews: unknown[] = []
  beforeEach(() => {
    previews.length = 0
    setLang('fi')
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        if (url === '/api/v1/customers' && init.method === 'POST') return json(customer, 201)
        if (url === '/api/v1/invoices/preview') {
          const body = JSON.parse(String(init.body))
          previews.push(body)
          if (body.lines[0].unit_price === '200')
            return json({ type: '/problems/validation-error', title: 'Invalid', status: 422, detail: 'x', errors: [{ field: 'lines.0.vat_rate', message: 'Verokanta 14 % ei ole voimassa.' }] }, 422)
          return json({ lines: [{ net_amount: '100.00' }], vat_breakdown: [{ vat_category: 'S', vat_rate: '25.5', taxable_amount: '100.00', vat_amount: '25.50' }], net_total: '100.00', vat_total: '25.50', total: '125.50' })
        }
        return json({ items: [], next_cursor: null })
      }),
    )
  })
  afterEach(() => vi.unstubAllGlobals())

  it('previews once after typing stops, shows the totals and the field errors the API names, and marks the form dirty', async () => {
    const { unmount } = render(InvoiceEditor)
    await fireEvent.click(screen.getByRole('button', { name: 'Uusi asiakas' }))
    await fireEvent.input(screen.getByLabelText('Asiakkaan nimi'), { target: { value: 'Asiakas Oy' } })
    await fireEvent.click(screen.getByRole('button', { name: 'Lisää asiakas' }))
    expect(await screen.findByText('Asiakas Oy')).toBeTruthy()

    const price = screen.getByLabelText('Yksikköhinta')
    for (const v of ['1', '10', '100']) await fireEvent.input(price, { target: { value: v } })
    expect(await screen.findByText('125,50 €', { normalizer: (s) => s.replace(/\s/g, ' ') })).toBeTruthy()
    expect(previews.length).toBe(1) // the three keystrokes made one request
    expect((previews[0] as { lines: { unit_price: string }[] }).lines[0]!.unit_price).toBe('100')
    expect(anyDirty()).toBe(true)

    await fireEvent.input(price, { target: { value: '200' } }) // the stub refuses this one's VAT rate
    await waitFor(() => expect(previews.length).toBe(2), { timeout: 2000 })
    await waitFor(() => expect(screen.getByText('Verokanta 14 % ei ole voimassa.')).toBeTruthy())
    expect(screen.getByLabelText('ALV %').getAttribute('aria-invalid')).toBe('true')

    await fireEvent.click(screen.getByRole('button', { name: 'Lisää rivi' }))
    expect(screen.getByRole('button', { name: 'Siirrä rivi 1 ylös' }).hasAttribute('disabled')).toBe(true)
    expect(screen.getByRole('button', { name: 'Siirrä rivi 2 alas' }).hasAttribute('disabled')).toBe(true)
    unmount()
    expect(anyDirty()).toBe(false)
  })
})
