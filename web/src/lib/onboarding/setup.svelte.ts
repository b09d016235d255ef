// Whether the active company is ready to issue invoices, checked once per company after sign-in
// (GET /api/v1/company). App.svelte sends an owner/admin landing on the dashboard to the
// onboarding while it is not (unless they chose "later"); the dashboard shows a link to it.
import type { Schemas } from '../api/client'
import { api } from '../state/api'
import { isPostponed, shouldLead } from './onboarding'

export const companySetup = $state<{ companyId: string | null; missing: Schemas['CompanyRead']['missing_for_issuing'] }>({
  companyId: null,
  missing: [],
})

let checking: string | null = null

/** Record what the company lacks (after a load or a save of the company). */
export function noteCompany(c: Pick<Schemas['CompanyRead'], 'id' | 'missing_for_issuing'>): void {
  companySetup.companyId = c.id
  companySetup.missing = [...c.missing_for_issuing]
}

/**
 * Check the company once (per company and page load); true when the user should be led to the
 * onboarding now. Offline or on an error: false (the app works as before).
 */
export async function checkCompanySetup(opts: { companyId: string; route: () => string; role: string | undefined }): Promise<boolean> {
  if (checking === opts.companyId || companySetup.companyId === opts.companyId) return false
  checking = opts.companyId
  try {
    const c = await api.GET('/api/v1/company')
    noteCompany(c)
    return shouldLead({ route: opts.route(), role: opts.role, company: c, postponed: isPostponed(globalThis.localStorage, c.id) })
  } catch {
    checking = null
    return false
  }
}
