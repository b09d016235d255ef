import { describe, expect, it } from 'vitest'
import { OPEN_ROUTES, parseHash } from './router.svelte'

describe('routes of customers, products, account links and dev mails', () => {
  it('puts the id of a detail page in params', () => {
    const c = parseHash('#/customers/0f0e')
    expect(c.name).toBe('customer')
    expect(c.params.get('id')).toBe('0f0e')
    expect(parseHash('#/customers/new').params.get('id')).toBe('new')
    expect(parseHash('#/products/abc').name).toBe('product')
    expect(parseHash('#/customers').name).toBe('customers')
    expect(parseHash('#/customers/a/b').name).toBe('notFound')
  })
  it('knows the paths the account e-mails use (src/laskutin/auth/mails.py)', () => {
    const v = parseHash('#/verify-email?token=t.1')
    expect(v.name).toBe('verifyEmail')
    expect(v.params.get('token')).toBe('t.1')
    expect(parseHash('#/reset-password?token=x').name).toBe('resetPassword')
    expect(parseHash('#/forgot-password').name).toBe('forgotPassword')
    expect(OPEN_ROUTES).toEqual(['verifyEmail', 'resetPassword', 'forgotPassword', 'invitation'])
    expect(parseHash('#/invitation?token=x').name).toBe('invitation')
    expect(parseHash('#/dev/mails').name).toBe('devMails')
  })
})
