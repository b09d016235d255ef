// The customer form as plain strings, and the API body made from it (pure: tested in customer.test.ts).
import type { Schemas } from '../api/client'

export interface AddressForm {
  street: string
  postal_code: string
  city: string
  country: string
}

export interface CustomerForm {
  name: string
  kind: 'company' | 'person'
  business_id: string
  vat_number: string
  email: string
  phone: string
  contact_person: string
  language: 'fi' | 'sv' | 'en'
  billing: AddressForm
  hasDelivery: boolean
  delivery: AddressForm
  einvoice_address: string
  einvoice_operator: string
  payment_terms_days: string
  notes: string
}

const emptyAddress = (): AddressForm => ({ street: '', postal_code: '', city: '', country: 'FI' })

export function emptyCustomerForm(): CustomerForm {
  return {
    name: '',
    kind: 'company',
    business_id: '',
    vat_number: '',
    email: '',
    phone: '',
    contact_person: '',
    language: 'fi',
    billing: emptyAddress(),
    hasDelivery: false,
    delivery: emptyAddress(),
    einvoice_address: '',
    einvoice_operator: '',
    payment_terms_days: '',
    notes: '',
  }
}

type AddressRead = { street?: string | null; postal_code?: string | null; city?: string | null; country?: string | null } | null | undefined

function addressForm(a: AddressRead): AddressForm {
  return { street: a?.street ?? '', postal_code: a?.postal_code ?? '', city: a?.city ?? '', country: a?.country || 'FI' }
}

export function customerFormFrom(c: Schemas['CustomerRead']): CustomerForm {
  return {
    name: c.name,
    kind: c.kind,
    business_id: c.business_id ?? '',
    vat_number: c.vat_number ?? '',
    email: c.email ?? '',
    phone: c.phone ?? '',
    contact_person: c.contact_person ?? '',
    language: c.language,
    billing: addressForm(c.billing_address),
    hasDelivery: c.delivery_address !== null && c.delivery_address !== undefined,
    delivery: addressForm(c.delivery_address),
    einvoice_address: c.einvoice_address ?? '',
    einvoice_operator: c.einvoice_operator ?? '',
    payment_terms_days: c.payment_terms_days === null || c.payment_terms_days === undefined ? '' : String(c.payment_terms_days),
    notes: c.notes ?? '',
  }
}

/** "" -> null, otherwise the trimmed text. */
export const orNull = (s: string): string | null => (s.trim() === '' ? null : s.trim())

function addressBody(a: AddressForm) {
  return { street: orNull(a.street), postal_code: orNull(a.postal_code), city: orNull(a.city), country: a.country.trim().toUpperCase() || 'FI' }
}

/** The body for POST and PATCH (cleared fields are sent as null, so a PATCH clears them too). */
export function customerBody(f: CustomerForm): Schemas['CustomerCreate'] {
  const days = f.payment_terms_days.trim()
  return {
    name: f.name.trim(),
    kind: f.kind,
    business_id: orNull(f.business_id),
    vat_number: orNull(f.vat_number),
    email: orNull(f.email),
    phone: orNull(f.phone),
    contact_person: orNull(f.contact_person),
    language: f.language,
    billing_address: addressBody(f.billing),
    delivery_address: f.hasDelivery ? addressBody(f.delivery) : null,
    einvoice_address: orNull(f.einvoice_address),
    einvoice_operator: orNull(f.einvoice_operator),
    payment_terms_days: days === '' ? null : Number(days),
    notes: orNull(f.notes),
  }
}
