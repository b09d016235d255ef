// The company settings form as plain strings, and the PATCH body made from it (pure: tested).
import type { Schemas } from '../api/client'
import { decimalInput } from './product'
import { orNull } from './customer'

export interface BankAccountForm {
  iban: string
  bic: string
}

export interface CompanyForm {
  name: string
  business_id: string
  vat_number: string
  street_address: string
  postal_code: string
  city: string
  country_code: string
  email: string
  phone: string
  website: string
  sender_name: string
  reply_to_email: string
  bank_accounts: BankAccountForm[]
  invoice_number_prefix: string
  next_invoice_number: string
  payment_terms_days: string
  penalty_interest_percent: string
  reference_type: 'national' | 'rf'
  invoice_language: 'fi' | 'sv' | 'en'
  einvoice_address: string
  einvoice_operator: string
}

export function companyFormFrom(c: Schemas['CompanyRead']): CompanyForm {
  return {
    name: c.name,
    business_id: c.business_id ?? '',
    vat_number: c.vat_number ?? '',
    street_address: c.street_address ?? '',
    postal_code: c.postal_code ?? '',
    city: c.city ?? '',
    country_code: c.country_code,
    email: c.email ?? '',
    phone: c.phone ?? '',
    website: c.website ?? '',
    sender_name: c.sender_name ?? '',
    reply_to_email: c.reply_to_email ?? '',
    bank_accounts: c.bank_accounts.map((b) => ({ iban: b.iban_formatted || b.iban, bic: b.bic ?? '' })),
    invoice_number_prefix: c.invoice_number_prefix,
    next_invoice_number: String(c.next_invoice_number),
    payment_terms_days: String(c.payment_terms_days),
    penalty_interest_percent: c.penalty_interest_percent ?? '',
    reference_type: c.reference_type,
    invoice_language: c.invoice_language,
    einvoice_address: c.einvoice_address ?? '',
    einvoice_operator: c.einvoice_operator ?? '',
  }
}

/** The PATCH body; `bank_accounts` replaces the whole list (blank rows are left out). */
export function companyBody(f: CompanyForm): Schemas['CompanyUpdate'] {
  return {
    name: f.name.trim(),
    business_id: orNull(f.business_id),
    vat_number: orNull(f.vat_number),
    street_address: orNull(f.street_address),
    postal_code: orNull(f.postal_code),
    city: orNull(f.city),
    country_code: f.country_code.trim().toUpperCase(),
    email: orNull(f.email),
    phone: orNull(f.phone),
    website: orNull(f.website),
    sender_name: orNull(f.sender_name),
    reply_to_email: orNull(f.reply_to_email),
    bank_accounts: f.bank_accounts
      .filter((b) => b.iban.trim() !== '' || b.bic.trim() !== '')
      .map((b) => ({ iban: b.iban.replace(/\s+/g, '').toUpperCase(), bic: orNull(b.bic) })),
    invoice_number_prefix: f.invoice_number_prefix,
    next_invoice_number: Number(f.next_invoice_number.trim()),
    payment_terms_days: Number(f.payment_terms_days.trim()),
    penalty_interest_percent: f.penalty_interest_percent.trim() === '' ? null : decimalInput(f.penalty_interest_percent),
    reference_type: f.reference_type,
    invoice_language: f.invoice_language,
    einvoice_address: orNull(f.einvoice_address),
    einvoice_operator: orNull(f.einvoice_operator),
  }
}
