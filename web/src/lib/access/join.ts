// Accepting an invitation: the answer is a token pair acting for the invited company, stored
// like a sign-in's (signed out) or like a company switch's (signed in: inside the refresh lock,
// the old session revoked, other tabs told through COMPANY_KEY).
import { ApiError, type Schemas } from '../api/client'
import { offlineCompany } from '../offline'
import { api, tokens } from '../state/api'
import { COMPANY_KEY, session } from '../state/session.svelte'

async function loadMe(): Promise<void> {
  session.me = await api.GET('/api/v1/me')
  const id = session.me.active_company_id
  if (id) {
    void offlineCompany(id)
    try {
      localStorage.setItem(COMPANY_KEY, id)
    } catch {
      // other tabs follow at their next refresh
    }
  }
}

/** Signed in with the invited address: join, and act for the invited company from now on. */
export async function acceptSignedIn(token: string): Promise<void> {
  const access = await tokens.validAccessToken()
  if (!access) throw new ApiError(401, null)
  let fresh = ''
  const old = await tokens.replaceSession(async () => {
    const pair = await api.POST('/api/v1/auth/invitations/accept', {
      body: { token },
      anonymous: true, // no refresh inside the lock
      headers: { Authorization: `Bearer ${access}` },
    })
    fresh = pair.refresh_token
    return pair
  })
  if (old && old !== fresh) {
    api.POST('/api/v1/auth/logout', { body: { refresh_token: old }, anonymous: true }).catch(() => {})
  }
  await loadMe()
}

/** Not signed in, no account yet: the name and password make one, and sign it in. */
export async function acceptWithNewAccount(body: Schemas['InvitationAccept']): Promise<void> {
  const pair = await api.POST('/api/v1/auth/invitations/accept', { body, anonymous: true })
  tokens.setSession(pair)
  session.notice = null
  session.email = ''
  session.status = 'signedIn'
  await loadMe()
}
