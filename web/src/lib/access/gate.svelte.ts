// A company that requires two-factor sign-in answers 403 /problems/two-factor-required to a
// member without a second factor (everything but /me). The API client's fetch goes through
// watchTwoFactor: such an answer leads the user to the security settings, where Settings.svelte
// explains why and shows the two-factor setup first.
import { navigate, route } from '../state/router.svelte'
import { isCompanyResource, isTwoFactorRequired } from './access'

export const twoFactorGate = $state<{ required: boolean }>({ required: false })

export const SECURITY_PATH = '/settings?section=security'

export function leadToSecurity(): void {
  twoFactorGate.required = true
  if (route.name !== 'settings') navigate(SECURITY_PATH, true)
}

/** fetch, watching for 403 two-factor-required (the body is read from a clone). */
export function watchTwoFactor(doFetch: typeof fetch): typeof fetch {
  return async (input, init) => {
    const res = await doFetch(input, init)
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    // another user or company, or the factor turned on elsewhere: the company answers again
    if (res.ok && twoFactorGate.required && isCompanyResource(url)) twoFactorGate.required = false
    else if (res.status === 403 && (res.headers.get('content-type') ?? '').includes('json')) {
      res
        .clone()
        .json()
        .then(
          (problem: unknown) => {
            if (isTwoFactorRequired(res.status, problem)) leadToSecurity()
          },
          () => {},
        )
    }
    return res
  }
}
