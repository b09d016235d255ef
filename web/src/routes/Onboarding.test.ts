import { fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setLang } from '../lib/i18n/index.svelte'
import { isPostponed } from '../lib/onboarding/onboarding'
import { companySetup } from '../lib/onboarding/setup.svelte'
import { anyDirty } from '../lib/state/dirty'
import { navigate, route } from '../lib/state/router.svelte'
import Onboarding from './Onboarding.svelte'

const company = {
  id: 'c1', name: 'Uusi Oy', business_id: null, vat_number: null, street_address: null, postal_code: null, city: null, country_code: 'FI',
  email: null, phone: null, website: null, sender_name: null, reply_to_email: null, bank_accounts: [], invoice_number_prefix: '', next_invoice_number: 1,
  payment_terms_days: 14, penalty_interest_percent: null, reference_type: 'national', invoice_language: 'fi', einvoice_address: null, einvoice_operator: null,
  logo: null, missing_for_issuing: ['business_id', 'bank_accounts'], plan: 'free',
}
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })

describe('the onboarding screen', () => {
  const patches: { body: Record<string, unknown>; ifMatch: string | null }[] = []
  beforeEach(() => {
    patches.length = 0
    setLang('fi')
    localStorage.clear()
    navigate('/onboarding', true)
    companySetup.companyId = null
    companySetup.missing = ['business_id', 'bank_accounts']
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit = {}) => {
        if (url === '/api/v1/company' && init.method === 'PATCH') {
          const body = JSON.parse(String(init.body)) as Record<string, unknown>
          patches.push({ body, ifMatch: new Headers(init.headers).get('If-Match') })
          return json({ ...company, ...body, bank_accounts: [{ iban: 'FI2112345600000785', iban_formatted: 'FI21 1234 5600 0007 85', bic: null }], missing_for_issuing: [] }, 200, { etag: '"2"' })
        }
        if (url === '/api/v1/company') return json(company, 200, { etag: '"1"' })
        if (url === '/api/v1/me') return json({ active_company_id: 'c1', companies: [], user: { id: 'u1', name: 'A', email: 'a@example.fi' } })
        return json({}, 404)
      }),
    )
  })
  afterEach(() => vi.unstubAllGlobals())

  it('checks while typing, names what is required, saves with the settings PATCH and goes to the dashboard', async () => {
    const { unmount } = render(Onboarding)
    const businessId = await screen.findByLabelText('Y-tunnus')
    expect((screen.getByLabelText('Yrityksen nimi') as HTMLInputElement).value).toBe('Uusi Oy')

    await fireEvent.click(screen.getByRole('button', { name: 'Tallenna ja jatka' }))
    expect(screen.getAllByText('Tämä tieto tarvitaan.')).toHaveLength(2)
    expect(patches).toHaveLength(0)

    await fireEvent.input(businessId, { target: { value: '0116297-5' } })
    expect(screen.getByText(/Y-tunnus ei ole oikein/)).toBeTruthy()
    expect(anyDirty()).toBe(true)
    await fireEvent.input(businessId, { target: { value: '0116297-6' } })
    expect(screen.queryByText(/Y-tunnus ei ole oikein/)).toBeNull()
    const iban = screen.getByLabelText('IBAN')
    await fireEvent.input(iban, { target: { value: 'FI21 1234 5600 0007 86' } })
    expect(screen.getByText(/IBAN ei ole oikein/)).toBeTruthy()
    await fireEvent.input(iban, { target: { value: 'fi2112345600000785' } })
    await fireEvent.blur(iban)
    expect((iban as HTMLInputElement).value).toBe('FI21 1234 5600 0007 85')
    await fireEvent.input(screen.getByLabelText('Postitoimipaikka'), { target: { value: 'Helsinki' } })

    await fireEvent.click(screen.getByRole('button', { name: 'Tallenna ja jatka' }))
    expect(route.name).toBe('onboarding')
    await waitFor(() => expect(route.name).toBe('dashboard'))
    expect(patches).toHaveLength(1)
    expect(companySetup.companyId).toBe('c1')
    expect(patches[0]!.ifMatch).toBe('"1"')
    expect(patches[0]!.body).toMatchObject({ name: 'Uusi Oy', business_id: '0116297-6', city: 'Helsinki', bank_accounts: [{ iban: 'FI2112345600000785', bic: null }] })
    expect(companySetup.missing).toEqual([])
    expect(anyDirty()).toBe(false)
    unmount()
  })

  it('"later" remembers the choice for the company and goes to the dashboard without saving', async () => {
    const { unmount } = render(Onboarding)
    await screen.findByLabelText('Y-tunnus')
    expect(route.name).toBe('onboarding')
    await fireEvent.click(screen.getByRole('button', { name: 'Myöhemmin' }))
    expect(route.name).toBe('dashboard')
    expect(isPostponed(localStorage, 'c1')).toBe(true)
    expect(patches).toHaveLength(0)
    unmount()
  })
})
