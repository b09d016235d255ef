// Hash routing: "#/invoices". Hash links work from a CDN with no server rewrites, and the
// account e-mails already link to "#/verify-email?token=…" and "#/reset-password?token=…".
export type RouteName = 'login' | 'signup' | 'dashboard' | 'invoices' | 'customers' | 'products' | 'settings' | 'notFound'

const table: Record<string, RouteName> = {
  '/': 'dashboard',
  '/login': 'login',
  '/signup': 'signup',
  '/invoices': 'invoices',
  '/customers': 'customers',
  '/products': 'products',
  '/settings': 'settings',
}

export const PUBLIC_ROUTES: readonly RouteName[] = ['login', 'signup']

export function parseHash(hash: string): { name: RouteName; params: URLSearchParams } {
  const raw = hash.replace(/^#/, '') || '/'
  const [path, query = ''] = raw.split('?', 2)
  return { name: table[path!] ?? 'notFound', params: new URLSearchParams(query) }
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
