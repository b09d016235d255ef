// Who is signed in. Sign-in stores the token pair (access token in memory, refresh token in
// localStorage); sign-out forgets both here and revokes the session on the server.
import type { Schemas } from '../api/client'
import { ApiError } from '../api/client'
import type { MessageKey } from '../i18n/index.svelte'
import { forgetOfflineData, offlineCompany } from '../offline'
import { REFRESH_KEY } from '../services/tokens'
import { api, onSessionEnded, tokens } from './api'

type Status = 'starting' | 'signedOut' | 'signedIn'

export const session = $state<{ status: Status; me: Schemas['MeRead'] | null; notice: MessageKey | null; email: string }>({
  status: 'starting',
  me: null,
  notice: null,
  email: '',
})

export function activeCompanyName(): string {
  const me = session.me
  return me?.companies.find((c) => c.id === me.active_company_id)?.name ?? ''
}

async function loadMe(): Promise<void> {
  try {
    session.me = await api.GET('/api/v1/me')
    if (session.me.active_company_id) void offlineCompany(session.me.active_company_id)
  } catch (err) {
    // offline: stay signed in with what we have; a refused session has already signed us out
    if (!(err instanceof ApiError) || err.status !== 0) throw err
  }
}

/** At start-up (and when another tab signs in): a stored refresh token means signed in. */
export async function startSession(): Promise<void> {
  if (!tokens.hasSession()) {
    session.status = 'signedOut'
    return
  }
  session.status = 'signedIn'
  try {
    await loadMe()
  } catch {
    if (!tokens.hasSession()) session.status = 'signedOut'
  }
}

/** 'twoFactor': the password was right and the account has a second factor; finish with
 * {@link finishTwoFactor} and the challenge given. */
export type SignInOutcome = { done: true } | { done: false; challenge: string }

export async function signIn(email: string, password: string): Promise<SignInOutcome> {
  const answer = await api.POST('/api/v1/auth/login', { body: { email, password }, anonymous: true })
  session.email = email
  if ('challenge' in answer) return { done: false, challenge: answer.challenge }
  await signedIn(answer)
  return { done: true }
}

/** Sign-in with an OpenID provider: trade the callback's one-time code (with the browser key kept
 * when the flow started, lib/work/oidc.ts) like {@link signIn}: the pair, or the second step. */
export async function signInWithOidc(code: string, browser_key: string): Promise<SignInOutcome> {
  const answer = await api.POST('/api/v1/auth/oidc/exchange', { body: { code, browser_key }, anonymous: true })
  if ('challenge' in answer) return { done: false, challenge: answer.challenge }
  await signedIn(answer)
  return { done: true }
}

/** The second step of a sign-in: the app's code, or one of the recovery codes. */
export async function finishTwoFactor(challenge: string, code: { code: string } | { recovery_code: string }): Promise<void> {
  const pair = await api.POST('/api/v1/auth/login/two-factor', { body: { challenge, ...code }, anonymous: true })
  await signedIn(pair)
}

async function signedIn(pair: Schemas['TokenResponse']): Promise<void> {
  tokens.setSession(pair)
  session.notice = null
  session.status = 'signedIn'
  await loadMe()
}

export async function signUp(body: Schemas['SignupRequest']): Promise<void> {
  await api.POST('/api/v1/auth/signup', { body, anonymous: true })
  session.email = body.email
  session.notice = 'auth.signUpDone'
}

/** Other tabs hear of a company switch through this key and reload who they act for. */
export const COMPANY_KEY = 'laskutin.company'

/**
 * Act for another of the user's companies: the server answers a new token pair for it (the old
 * session stays valid there, so it is revoked here), then /me is read again.
 */
export async function switchCompany(company_id: string): Promise<void> {
  const access = await tokens.validAccessToken()
  if (!access) throw new ApiError(401, null)
  let fresh = ''
  const old = await tokens.replaceSession(async () => {
    const pair = await api.POST('/api/v1/me/company', {
      body: { company_id },
      anonymous: true, // no refresh inside the lock
      headers: { Authorization: `Bearer ${access}` },
    })
    fresh = pair.refresh_token
    return pair
  })
  if (old && old !== fresh) {
    api.POST('/api/v1/auth/logout', { body: { refresh_token: old }, anonymous: true }).catch(() => {
      // offline: the old refresh token expires on the server
    })
  }
  try {
    localStorage.setItem(COMPANY_KEY, company_id)
  } catch {
    // other tabs follow at their next refresh
  }
  await loadMe()
}

export function signOut(): void {
  const refresh_token = tokens.clear()
  void forgetOfflineData()
  session.status = 'signedOut'
  session.me = null
  if (refresh_token) {
    api.POST('/api/v1/auth/logout', { body: { refresh_token }, anonymous: true }).catch(() => {
      // offline: the refresh token is gone from this browser; it expires on the server
    })
  }
}

onSessionEnded(() => {
  tokens.clear()
  void forgetOfflineData()
  session.status = 'signedOut'
  session.me = null
  session.notice = 'auth.sessionExpired'
})

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (e) => {
    if (e.key === COMPANY_KEY && session.status === 'signedIn') {
      // another tab switched the company: its new refresh token is in localStorage already
      tokens.forgetAccess()
      void loadMe().catch(() => {})
      return
    }
    if (e.key !== REFRESH_KEY && e.key !== null) return
    if (!e.newValue && session.status === 'signedIn') {
      // signed out in another tab
      tokens.forgetAccess()
      void forgetOfflineData()
      session.status = 'signedOut'
      session.me = null
    } else if (e.newValue && session.status === 'signedOut') {
      void startSession() // signed in in another tab
    }
  })
}
