import { render, screen } from '@testing-library/svelte'
import { afterEach, describe, expect, it } from 'vitest'
import { setLang } from '../i18n/index.svelte'
import { session } from '../state/session.svelte'
import OnboardingReminder from './OnboardingReminder.svelte'
import { companySetup } from './setup.svelte'

const me = (role: string) =>
  ({ active_company_id: 'c1', companies: [{ id: 'c1', name: 'Uusi Oy', role }], user: { id: 'u1', name: 'A', email: 'a@example.fi' } }) as never

describe('the onboarding reminder on the dashboard', () => {
  afterEach(() => {
    session.me = null
    companySetup.companyId = null
    companySetup.missing = []
  })

  it('names what is missing and links to the onboarding, for an owner of an incomplete company', () => {
    setLang('fi')
    session.me = me('owner')
    companySetup.companyId = 'c1'
    companySetup.missing = ['business_id', 'bank_accounts']
    const { unmount } = render(OnboardingReminder)
    expect(screen.getByTestId('onboarding-reminder').textContent).toContain('Y-tunnus, Pankkitilit')
    expect(screen.getByRole('link', { name: 'Täydennä yrityksen tiedot' }).getAttribute('href')).toBe('#/onboarding')
    unmount()
  })

  it('stays away when the company is complete, unchecked, or the user cannot change it', () => {
    session.me = me('member')
    companySetup.companyId = 'c1'
    companySetup.missing = ['business_id']
    const a = render(OnboardingReminder)
    expect(screen.queryByTestId('onboarding-reminder')).toBeNull()
    a.unmount()
    session.me = me('admin')
    companySetup.missing = []
    const b = render(OnboardingReminder)
    expect(screen.queryByTestId('onboarding-reminder')).toBeNull()
    b.unmount()
    companySetup.companyId = 'other'
    companySetup.missing = ['business_id']
    const c = render(OnboardingReminder)
    expect(screen.queryByTestId('onboarding-reminder')).toBeNull()
    c.unmount()
  })
})
