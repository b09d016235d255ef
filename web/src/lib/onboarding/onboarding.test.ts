import { describe, expect, it } from 'vitest'
import { applyOnboarding, canOnboard, isPostponed, needsOnboarding, onboardingBody, onboardingFrom, onboardingProblems, postpone, shouldLead, tidyIban, LATER_KEY } from './onboarding'

const company = {
  id: 'c1',
  name: 'Uusi Oy',
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
  bank_accounts: [] as { iban: string; iban_formatted: string; bic: string | null }[],
  invoice_number_prefix: '',
  next_invoice_number: 1001,
  payment_terms_days: 14,
  penalty_interest_percent: null,
  reference_type: 'national',
  invoice_language: 'fi',
  einvoice_address: null,
  einvoice_operator: null,
  logo: null,
  missing_for_issuing: ['business_id', 'bank_accounts'] as ('business_id' | 'bank_accounts')[],
  plan: 'free',
}
const c = (over: Partial<typeof company> = {}) => ({ ...company, ...over }) as never

function memoryStorage(): Storage {
  const m = new Map<string, string>()
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k), clear: () => m.clear(), key: () => null, get length() { return m.size } }
}

describe('company onboarding', () => {
  it('is needed while the company lacks a business id or a bank account, and only for owners and admins', () => {
    expect(needsOnboarding({ missing_for_issuing: ['business_id', 'bank_accounts'] })).toBe(true)
    expect(needsOnboarding({ missing_for_issuing: ['bank_accounts'] })).toBe(true)
    expect(needsOnboarding({ missing_for_issuing: [] })).toBe(false)
    expect([canOnboard('owner'), canOnboard('admin'), canOnboard('member'), canOnboard('accountant'), canOnboard(undefined)]).toEqual([true, true, false, false, false])
  })

  it('leads there from the dashboard only, unless postponed', () => {
    const incomplete = { missing_for_issuing: ['business_id'] as 'business_id'[] }
    expect(shouldLead({ route: 'dashboard', role: 'owner', company: incomplete, postponed: false })).toBe(true)
    expect(shouldLead({ route: 'invoiceView', role: 'owner', company: incomplete, postponed: false })).toBe(false)
    expect(shouldLead({ route: 'dashboard', role: 'owner', company: incomplete, postponed: true })).toBe(false)
    expect(shouldLead({ route: 'dashboard', role: 'member', company: incomplete, postponed: false })).toBe(false)
    expect(shouldLead({ route: 'dashboard', role: 'owner', company: { missing_for_issuing: [] }, postponed: false })).toBe(false)
  })

  it('remembers "later" per company', () => {
    const storage = memoryStorage()
    expect(isPostponed(storage, 'c1')).toBe(false)
    postpone(storage, 'c1')
    postpone(storage, 'c1')
    expect(isPostponed(storage, 'c1')).toBe(true)
    expect(isPostponed(storage, 'c2')).toBe(false)
    expect(JSON.parse(storage.getItem(LATER_KEY)!)).toEqual(['c1'])
    storage.setItem(LATER_KEY, 'not json')
    expect(isPostponed(storage, 'c1')).toBe(false)
    expect(isPostponed(undefined, 'c1')).toBe(false)
  })

  it('names the live problems while typing, and the missing required fields on submit', () => {
    const form = onboardingFrom(c())
    expect(form).toEqual({ name: 'Uusi Oy', business_id: '', street_address: '', postal_code: '', city: '', iban: '', bic: '' })
    expect(onboardingProblems(form, false)).toEqual({})
    expect(onboardingProblems(form, true)).toEqual({ business_id: 'required', iban: 'required' })
    expect(onboardingProblems({ ...form, name: ' ' }, true).name).toBe('required')
    expect(onboardingProblems({ ...form, business_id: '0116297-5' }, false)).toEqual({ business_id: 'checkDigit' })
    expect(onboardingProblems({ ...form, business_id: '116297-6' }, false)).toEqual({ business_id: 'format' })
    expect(onboardingProblems({ ...form, iban: 'FI21 1234 5600 0007 86' }, false)).toEqual({ iban: 'checksum' })
    expect(onboardingProblems({ ...form, iban: 'FI21 1234' }, false)).toEqual({ iban: 'format' })
    expect(onboardingProblems({ ...form, postal_code: '0010' }, false)).toEqual({ postal_code: 'postalCode' })
    expect(onboardingProblems({ ...form, postal_code: '0010' }, false, 'SE')).toEqual({})
    const ok = { ...form, business_id: '0116297-6', iban: 'fi21 1234 5600 0007 85', postal_code: '00100' }
    expect(onboardingProblems(ok, true)).toEqual({})
  })

  it('makes the settings screen\'s PATCH body: the first bank account replaced, the rest kept', () => {
    const form = { name: ' Uusi Oy ', business_id: '01162976', street_address: 'Mannerheimintie 1', postal_code: '00100', city: 'Helsinki', iban: 'fi21 1234 5600 0007 85', bic: '' }
    const body = onboardingBody(c(), form)
    expect(body).toMatchObject({
      name: 'Uusi Oy',
      business_id: '0116297-6',
      street_address: 'Mannerheimintie 1',
      postal_code: '00100',
      city: 'Helsinki',
      country_code: 'FI',
      bank_accounts: [{ iban: 'FI2112345600000785', bic: null }],
      next_invoice_number: 1001,
      payment_terms_days: 14,
    })
    const two = c({ bank_accounts: [
      { iban: 'FI2112345600000785', iban_formatted: 'FI21 1234 5600 0007 85', bic: 'NDEAFIHH' },
      { iban: 'FI5542345670000081', iban_formatted: 'FI55 4234 5670 0000 81', bic: null },
    ] })
    const again = onboardingFrom(two)
    expect([again.iban, again.bic]).toEqual(['FI21 1234 5600 0007 85', 'NDEAFIHH'])
    expect(applyOnboarding(two, { ...again, iban: 'FI7940554020008571' }).bank_accounts).toEqual([
      { iban: 'FI7940554020008571', bic: 'NDEAFIHH' },
      { iban: 'FI55 4234 5670 0000 81', bic: '' },
    ])
    expect(applyOnboarding(two, { ...again, iban: '', bic: '' }).bank_accounts).toHaveLength(1)
  })

  it('tidies a valid IBAN into groups of four and leaves an invalid one as typed', () => {
    expect(tidyIban('fi2112345600000785')).toBe('FI21 1234 5600 0007 85')
    expect(tidyIban('FI21 1234')).toBe('FI21 1234')
    expect(tidyIban('')).toBe('')
  })
})
