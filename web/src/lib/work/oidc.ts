// Sign-in with OpenID Connect (docs/oidc.md): start a flow, keep its browser key for the way
// back, read the result the callback puts in the URL. Pure helpers and a storage argument, so the
// logic is unit-tested (oidc.test.ts).
import type { MessageKey } from '../i18n/index.svelte'

export const BROWSER_KEY = 'laskutin.oidc.browserKey'

type KeyStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

export function keepBrowserKey(store: KeyStore | undefined, key: string): void {
  try {
    store?.setItem(BROWSER_KEY, key)
  } catch {
    // private mode without storage: the exchange will be refused and say so
  }
}

/** The kept browser key, taken once (a code is traded once). */
export function takeBrowserKey(store: KeyStore | undefined): string | null {
  try {
    const key = store?.getItem(BROWSER_KEY) ?? null
    store?.removeItem(BROWSER_KEY)
    return key
  } catch {
    return null
  }
}

const KNOWN = [
  'oidc-provider-unknown', 'too-many-oidc-starts', 'oidc-provider-unavailable', 'oidc-state-invalid', 'oidc-state-expired',
  'oidc-state-used', 'oidc-denied', 'oidc-provider-refused', 'oidc-id-token-invalid', 'oidc-email-missing',
  'oidc-account-exists', 'oidc-identity-taken', 'oidc-code-invalid', 'oidc-code-expired', 'oidc-code-used',
  'oidc-last-sign-in-method', 'oidc-no-browser-key',
] as const

/** The words for a problem code of the OIDC flow (unknown codes: the general message). */
export function oidcErrorKey(code: string | null | undefined): MessageKey {
  const c = (code ?? '').replace(/^.*\/problems\//, '')
  return (KNOWN as readonly string[]).includes(c) ? (`work.oidc.error.${c}` as MessageKey) : 'work.oidc.error.other'
}

/** What the callback put in the hash's query: a code to trade, an error, or a linked provider. */
export type OidcReturn = { kind: 'code'; code: string } | { kind: 'error'; code: string } | { kind: 'linked'; provider: string } | { kind: 'none' }

export function readOidcReturn(params: URLSearchParams): OidcReturn {
  const error = params.get('oidc_error')
  if (error) return { kind: 'error', code: error }
  const linked = params.get('oidc_linked')
  if (linked) return { kind: 'linked', provider: linked }
  const code = params.get('code')
  if (code) return { kind: 'code', code }
  return { kind: 'none' }
}

/** The hash without the OIDC parameters (so a reload does not show or trade them again). */
export function withoutOidcParams(path: string, params: URLSearchParams): string {
  const rest = new URLSearchParams(params)
  for (const k of ['oidc_error', 'oidc_linked', 'code']) rest.delete(k)
  const q = rest.toString()
  return q ? `${path}?${q}` : path
}
