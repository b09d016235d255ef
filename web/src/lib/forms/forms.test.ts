import { describe, expect, it } from 'vitest'
import { customerBody, customerFormFrom, emptyCustomerForm } from './customer'
import { decimalForInput, decimalInput, emptyProductForm, productBody, productName } from './product'

describe('customer form', () => {
  it('sends blanks as null and the delivery address only when chosen', () => {
    const f = emptyCustomerForm()
    f.name = '  Asiakas Oy '
    f.business_id = '0737546-2'
    f.billing.city = 'Helsinki'
    f.billing.country = 'fi'
    f.payment_terms_days = '14'
    const body = customerBody(f)
    expect(body.name).toBe('Asiakas Oy')
    expect(body.email).toBeNull()
    expect(body.billing_address).toEqual({ street: null, postal_code: null, city: 'Helsinki', country: 'FI' })
    expect(body.delivery_address).toBeNull()
    expect(body.payment_terms_days).toBe(14)
    f.hasDelivery = true
    f.payment_terms_days = ''
    expect(customerBody(f).delivery_address).toEqual({ street: null, postal_code: null, city: null, country: 'FI' })
    expect(customerBody(f).payment_terms_days).toBeNull()
  })
  it('round-trips a read customer', () => {
    const f = emptyCustomerForm()
    f.name = 'X'
    f.email = 'a@b.fi'
    const read = { ...customerBody(f), id: '1', customer_number: 1, archived: false, archived_at: null, created_at: '', updated_at: '' }
    expect(customerFormFrom(read as never)).toEqual({ ...f })
  })
})

describe('product form', () => {
  it('accepts a decimal comma and spaces', () => {
    expect(decimalInput('1 234,50')).toBe('1234.50')
    expect(decimalForInput('85.000000', 'fi')).toBe('85,00')
    expect(decimalForInput('0.125000', 'en')).toBe('0.125')
  })
  it('sends a rate class for S and a ground otherwise', () => {
    const f = emptyProductForm()
    f.name_fi = 'Työ'
    f.unit_price = '85,5'
    f.vat_ground = 'ignored'
    expect(productBody(f)).toMatchObject({ names: { fi: 'Työ', sv: null, en: null }, unit_price: '85.5', rate_class: 'general', vat_ground: null })
    f.vat_category = 'AE'
    expect(productBody(f)).toMatchObject({ rate_class: null, vat_ground: 'ignored' })
  })
  it('names in the language, falling back', () => {
    expect(productName({ fi: 'Työ', sv: null }, 'sv')).toBe('Työ')
    expect(productName({ fi: 'Työ', en: 'Work' }, 'en')).toBe('Work')
  })
})
