// The app's one API client and token store.
import { watchTwoFactor } from '../access/gate.svelte'
import { createClient } from '../api/client'
import { i18n } from '../i18n/index.svelte'
import { browserLocks, TokenManager } from '../services/tokens'

let sessionEnded: () => void = () => {}
export function onSessionEnded(fn: () => void): void {
  sessionEnded = fn
}

export const tokens = new TokenManager({
  storage: globalThis.localStorage,
  locks: browserLocks(),
  refreshRequest: (refresh_token) => api.POST('/api/v1/auth/refresh', { body: { refresh_token }, anonymous: true }),
})

export const api = createClient({
  lang: () => i18n.lang,
  // a 403 two-factor-required leads to the security settings
  fetch: watchTwoFactor((input, init) => globalThis.fetch(input, init)),
  auth: {
    accessToken: () => tokens.validAccessToken().catch(() => tokens.accessToken()),
    refresh: () => tokens.refresh().catch(() => null),
    onSessionEnded: () => sessionEnded(),
  },
})
