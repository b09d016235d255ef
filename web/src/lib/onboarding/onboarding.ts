// Company onboarding (pure, tested in onboarding.test.ts): after sign-up the company has only a
// name; before it can issue invoices it needs a business id (Y-tunnus) and a bank account. The
// onboarding screen asks for those and the address; the PATCH body comes from forms/company.ts,
// so it is the same request the settings screen makes.
import type { Schemas } from '../api/client'
import { companyBody, companyFormFrom, type CompanyForm } from '../forms/company'
import { checkBusinessId, checkIban, formatIban, normalizeBusinessId, type BusinessIdProblem, type IbanProblem } from '../validation/ids'

export interface OnboardingForm {
  name: string
  business_id: string
  street_address: string
  postal_code: string
  city: string
  iban: string
  bic: string
}

/** Whether the company still lacks what issuing needs (and so the app offers the onboarding). */
export function needsOnboarding(company: Pick<Schemas['CompanyRead'], 'missing_for_issuing'>): boolean {
  return company.missing_for_issuing.includes('business_id') || company.missing_for_issuing.includes('bank_accounts')
}

/** Only owners and admins can change the company; others are never sent to the onboarding. */
export function canOnboard(role: string | undefined): boolean {
  return role === 'owner' || role === 'admin'
}

export function onboardingFrom(company: Schemas['CompanyRead']): OnboardingForm {
  const f = companyFormFrom(company)
  const first = f.bank_accounts[0]
  return {
    name: f.name,
    business_id: f.business_id,
    street_address: f.street_address,
    postal_code: f.postal_code,
    city: f.city,
    iban: first?.iban ?? '',
    bic: first?.bic ?? '',
  }
}

/** The company's whole form with the onboarding's fields put in: the first bank account is replaced, the others kept. */
export function applyOnboarding(company: Schemas['CompanyRead'], o: OnboardingForm): CompanyForm {
  const f = companyFormFrom(company)
  const [, ...rest] = f.bank_accounts
  return {
    ...f,
    name: o.name,
    business_id: normalizeBusinessId(o.business_id) ?? o.business_id,
    street_address: o.street_address,
    postal_code: o.postal_code,
    city: o.city,
    bank_accounts: o.iban.trim() || o.bic.trim() ? [{ iban: o.iban, bic: o.bic }, ...rest] : rest,
  }
}

/** The PATCH /api/v1/company body (the settings screen's companyBody). */
export function onboardingBody(company: Schemas['CompanyRead'], o: OnboardingForm): Schemas['CompanyUpdate'] {
  return companyBody(applyOnboarding(company, o))
}

export type OnboardingProblem = 'required' | 'postalCode' | BusinessIdProblem | IbanProblem

export type OnboardingProblems = Partial<Record<keyof OnboardingForm, OnboardingProblem>>

/**
 * What is wrong with the form. While typing (`submitted` false) only values that are there and
 * wrong are named; on submit the required ones (name, business id, IBAN) are named too.
 */
export function onboardingProblems(o: OnboardingForm, submitted: boolean, countryCode = 'FI'): OnboardingProblems {
  const out: OnboardingProblems = {}
  const businessId = checkBusinessId(o.business_id)
  if (businessId) out.business_id = businessId
  const iban = checkIban(o.iban)
  if (iban) out.iban = iban
  if (countryCode === 'FI' && o.postal_code.trim() && !/^\d{5}$/.test(o.postal_code.trim())) out.postal_code = 'postalCode'
  if (submitted) {
    if (!o.name.trim()) out.name = 'required'
    if (!o.business_id.trim()) out.business_id = 'required'
    if (!o.iban.trim()) out.iban = 'required'
  }
  return out
}

/** "FI2112345600000785" -> "FI21 1234 5600 0007 85" once the IBAN is valid (as the user leaves the field). */
export function tidyIban(input: string): string {
  return checkIban(input) === null && input.trim() ? formatIban(input) : input
}

// "Later": the user skipped the onboarding for this company; the app does not send them there
// again by itself (the dashboard keeps a link to it while the company is incomplete).
export const LATER_KEY = 'laskutin.onboarding.later'

function laterList(storage: Pick<Storage, 'getItem'> | undefined): string[] {
  try {
    const raw = storage?.getItem(LATER_KEY)
    const parsed: unknown = raw ? JSON.parse(raw) : []
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}

export function isPostponed(storage: Pick<Storage, 'getItem'> | undefined, companyId: string): boolean {
  return laterList(storage).includes(companyId)
}

export function postpone(storage: Pick<Storage, 'getItem' | 'setItem'> | undefined, companyId: string): void {
  const list = laterList(storage)
  if (list.includes(companyId)) return
  try {
    storage?.setItem(LATER_KEY, JSON.stringify([...list, companyId].slice(-20)))
  } catch {
    // not remembered: the app offers the onboarding again next time
  }
}

/**
 * Whether to send the user to the onboarding now: signed in on the dashboard (where sign-in and
 * sign-up land), the company incomplete, the user allowed to change it, not postponed.
 */
export function shouldLead(opts: { route: string; role: string | undefined; company: Pick<Schemas['CompanyRead'], 'missing_for_issuing'>; postponed: boolean }): boolean {
  return opts.route === 'dashboard' && canOnboard(opts.role) && !opts.postponed && needsOnboarding(opts.company)
}
