// Files from the API (PDF, Finvoice, Peppol) and answers whose headers we need (ETag): a plain
// fetch with the bearer token; an error answer becomes an ApiError like the typed client's.
import { tokens } from '../state/api'
import { i18n } from '../i18n/index.svelte'
import { ApiError, type Problem } from './client'

export async function authFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const token = await tokens.validAccessToken().catch(() => tokens.accessToken())
  let res: Response
  try {
    res = await fetch(path, { ...init, headers: { 'Accept-Language': i18n.lang, ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) } })
  } catch (err) {
    throw new ApiError(0, null, null, err)
  }
  if (!res.ok) {
    let problem: Problem | null = null
    try {
      const data = (await res.json()) as Problem
      if (data && typeof data.type === 'string') problem = data
    } catch {
      // no problem body
    }
    throw new ApiError(res.status, problem, res.headers.get('x-request-id'))
  }
  return res
}

/** The ETag of a resource as it is now (for If-Match). */
export async function currentEtag(path: string): Promise<string | null> {
  const res = await authFetch(path, { headers: { Accept: 'application/json' } })
  return res.headers.get('etag')
}

/** Fetch a file and hand it to the browser as a download. */
export async function download(path: string, filename: string): Promise<void> {
  const blob = await (await authFetch(path)).blob()
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
