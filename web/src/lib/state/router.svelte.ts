// Hash routing: "#/invoices". Hash links work from a CDN with no server rewrites, and the
// account e-mails already link to "#/verify-email?token=…" and "#/reset-password?token=…".
import { workRoute, type WorkRouteName } from '../work/routes'
export type RouteName = 'login' | 'signup' | 'dashboard' | 'invoices' | 'customers' | 'products' | 'settings' | 'invoiceNew' | 'invoiceEdit' | 'invoiceView' | 'notFound'
  | 'customer' | 'product' | 'verifyEmail' | 'resetPassword' | 'forgotPassword' | 'devMails' | 'onboarding'
  | 'invitation'
  | 'oidc' | WorkRouteName

const table: Record<string, RouteName> = {
  '/': 'dashboard',
  '/login': 'login',
  '/signup': 'signup',
  '/invoices': 'invoices',
  '/customers': 'customers',
  '/products': 'products',
  '/settings': 'settings',
  '/verify-email': 'verifyEmail',
  '/reset-password': 'resetPassword',
  '/forgot-password': 'forgotPassword',
  '/dev/mails': 'devMails',
  '/onboarding': 'onboarding',
  '/invitation': 'invitation',
  '/oidc': 'oidc',
}

// "/customers/new", "/customers/{id}": the id (or "new") goes to params "id".
const detail: Record<string, RouteName> = {
  customers: 'customer',
  products: 'product',
}

export const PUBLIC_ROUTES: readonly RouteName[] = ['login', 'signup', 'oidc']
/** Pages the account e-mails link to: shown outside the shell whether signed in or not. */
export const OPEN_ROUTES: readonly RouteName[] = ['verifyEmail', 'resetPassword', 'forgotPassword', 'invitation']

export function parseHash(hash: string): { name: RouteName; params: URLSearchParams } {
  const raw = hash.replace(/^#/, '') || '/'
  const [path, query = ''] = raw.split('?', 2)
  const params = new URLSearchParams(query)
  // Invoice screens: /invoices/new, /invoices/{id}, /invoices/{id}/edit (the id goes to params "id")
  const inv = /^\/invoices\/([^/]+)(\/edit)?$/.exec(path!)
  if (inv && !table[path!]) {
    if (inv[1] === 'new' && !inv[2]) return { name: 'invoiceNew', params }
    params.set('id', decodeURIComponent(inv[1]!))
    return { name: inv[2] ? 'invoiceEdit' : 'invoiceView', params }
  }
  const work = workRoute(path!, params)
  if (work) return { name: work, params }
  const detailMatch = /^\/([a-z]+)\/([^/]+)$/.exec(path!)
  if (detailMatch && !table[path!] && detail[detailMatch[1]!]) {
    params.set('id', decodeURIComponent(detailMatch[2]!))
    return { name: detail[detailMatch[1]!]!, params }
  }
  return { name: table[path!] ?? 'notFound', params }
}

export const route = $state(parseHash(typeof location === 'undefined' ? '' : location.hash))

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => Object.assign(route, parseHash(location.hash)))
}

export function href(path: string): string {
  return `#${path}`
}

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', `#${path}`)
  else location.hash = path
  Object.assign(route, parseHash(`#${path}`))
}
