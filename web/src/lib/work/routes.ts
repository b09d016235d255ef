// Routes of the quote and recurring-invoice screens: "/quotes", "/quotes/new", "/quotes/{id}",
// "/quotes/{id}/edit" (the same for "/recurring"). The id goes to params "id".
export type WorkRouteName = 'quotes' | 'quoteNew' | 'quoteView' | 'quoteEdit' | 'recurring' | 'recurringNew' | 'recurringView' | 'recurringEdit'

const families: Record<string, [WorkRouteName, WorkRouteName, WorkRouteName, WorkRouteName]> = {
  quotes: ['quotes', 'quoteNew', 'quoteView', 'quoteEdit'],
  recurring: ['recurring', 'recurringNew', 'recurringView', 'recurringEdit'],
}

export const WORK_ROUTES: readonly string[] = Object.values(families).flat()

export function isWorkRoute(name: string): name is WorkRouteName {
  return WORK_ROUTES.includes(name)
}

/** The work route of a path (without the query), or null. */
export function workRoute(path: string, params: URLSearchParams): WorkRouteName | null {
  const m = /^\/(quotes|recurring)(?:\/([^/]+)(\/edit)?)?$/.exec(path)
  if (!m) return null
  const [list, made, view, edit] = families[m[1]!]!
  if (!m[2]) return list
  if (m[2] === 'new' && !m[3]) return made
  params.set('id', decodeURIComponent(m[2]))
  return m[3] ? edit : view
}

/** Which nav entry a work route belongs to. */
export function workNav(name: string): 'quotes' | 'recurring' | null {
  if (name.startsWith('quote')) return 'quotes'
  if (name.startsWith('recurring')) return 'recurring'
  return null
}
