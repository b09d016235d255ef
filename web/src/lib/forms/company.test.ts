import { describe, expect, it } from 'vitest'
import { companyBody, companyFormFrom } from './company'

const read = {
  id: 'c1',
  name: 'Oy Testi Ab',
  business_id: null,
  vat_number: null,
  street_address: null,
  postal_code: null,
  city: null,
  country_code: 'FI',
  email: null,
  phone: null,
  website: null,
  sender_name: null,
  reply_to_email: null,
  bank_accounts: [{ iban: 'FI2112345600000785', iban_formatted: 'FI21 1234 5600 0007 85', bic: 'NDEAFIHH' }],
  invoice_number_prefix: '',
  next_invoice_number: 1001,
  payment_terms_days: 14,
  penalty_interest_percent: null,
  reference_type: 'national',
  invoice_language: 'fi',
  einvoice_address: null,
  einvoice_operator: null,
  logo: null,
  missing_for_issuing: ['business_id'],
  plan: 'free',
}

describe('company form', () => {
  it('reads and writes back the settings', () => {
    const f = companyFormFrom(read as never)
    expect(f.bank_accounts).toEqual([{ iban: 'FI21 1234 5600 0007 85', bic: 'NDEAFIHH' }])
    f.business_id = ' 0737546-2 '
    f.penalty_interest_percent = '11,5'
    f.bank_accounts.push({ iban: '', bic: '' })
    const body = companyBody(f)
    expect(body.business_id).toBe('0737546-2')
    expect(body.penalty_interest_percent).toBe('11.5')
    expect(body.bank_accounts).toEqual([{ iban: 'FI2112345600000785', bic: 'NDEAFIHH' }])
    expect(body.next_invoice_number).toBe(1001)
    expect(body.email).toBeNull()
  })
})
