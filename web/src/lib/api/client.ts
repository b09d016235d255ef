// A small typed fetch wrapper over the generated OpenAPI types (./generated is never edited by
// hand: `npm run generate:api`). It adds the bearer token, Accept-Language, an Idempotency-Key on
// POST, one retry after a token refresh on 401, and turns problem+json answers into ApiError.
import type { components, paths } from './generated/schema'

export type Schemas = components['schemas']
export type Problem = Schemas['Problem']
export type FieldError = Schemas['FieldError']

type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete'
type Op<P extends keyof paths, M extends HttpMethod> = NonNullable<paths[P][M]>
/** The paths that have method M. */
export type PathsWith<M extends HttpMethod> = {
  [P in keyof paths]: [NonNullable<paths[P][M]>] extends [never] ? never : P
}[keyof paths]

type Params<O> = O extends { parameters: infer X } ? X : never
type JsonBody<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never
type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : undefined
/** The JSON body of the operation's success answer (undefined for 204). */
export type Success<O> = O extends { responses: infer R }
  ? R extends { 200: infer A }
    ? JsonOf<A>
    : R extends { 201: infer A }
      ? JsonOf<A>
      : R extends { 202: infer A }
        ? JsonOf<A>
        : undefined
  : never

export interface RequestInit_<O> {
  path?: Params<O> extends { path?: infer X } ? X : never
  query?: Params<O> extends { query?: infer X } ? X : never
  body?: JsonBody<O>
  headers?: Record<string, string>
  /** Sent on POST; one is made when left out (the same key is reused by the retry after a refresh). */
  idempotencyKey?: string
  /** Send no bearer token (sign-in, sign-up, refresh). */
  anonymous?: boolean
  signal?: AbortSignal
  /** Sees the answer's headers (e.g. its ETag for a later If-Match). */
  onHeaders?: (headers: Headers) => void
}

/** An error answer (problem+json) or a failure to reach the server (status 0, type "network"). */
export class ApiError extends Error {
  readonly status: number
  readonly type: string
  readonly problem: Problem | null
  /** field (dotted path, e.g. "email" or "lines.0.quantity") -> message, in the request's language. */
  readonly fields: Record<string, string>
  readonly requestId: string | null

  constructor(status: number, problem: Problem | null, requestId: string | null = null, cause?: unknown) {
    super(problem ? `${problem.title}: ${problem.detail}` : `HTTP ${status}`, { cause })
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
    this.type = problem?.type ?? (status === 0 ? 'network' : `/problems/http-${status}`)
    this.requestId = problem?.request_id ?? requestId
    this.fields = {}
    for (const e of problem?.errors ?? []) {
      // several messages for one field are joined; the first one names it
      this.fields[e.field] = this.fields[e.field] ? `${this.fields[e.field]} ${e.message}` : e.message
    }
  }

  /** "/problems/invalid-credentials" -> "invalid-credentials" */
  get code(): string {
    return this.type.replace(/^.*\/problems\//, '')
  }
}

export interface AuthHooks {
  /** The access token to send (refreshed first when it has expired), or null. */
  accessToken(): string | null | Promise<string | null>
  /** Get a new access token (serialised across tabs); null when the session is over. */
  refresh(): Promise<string | null>
  /** Called when the session cannot be renewed. */
  onSessionEnded(): void
}

export interface ClientOptions {
  baseUrl?: string
  fetch?: typeof fetch
  lang: () => string
  auth?: AuthHooks
}

function buildUrl(base: string, template: string, path?: unknown, query?: unknown): string {
  let p = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = (path as Record<string, unknown> | undefined)?.[name]
    if (v === undefined || v === null) throw new Error(`missing path parameter ${name} for ${template}`)
    return encodeURIComponent(String(v))
  })
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries((query as Record<string, unknown> | undefined) ?? {})) {
    if (v === undefined || v === null) continue
    for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item))
  }
  const s = qs.toString()
  if (s) p += `?${s}`
  return base + p
}

function newKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`
}

export function createClient(options: ClientOptions) {
  const base = options.baseUrl ?? ''
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init))

  async function send<P extends keyof paths, M extends HttpMethod>(
    method: M,
    template: P,
    init: RequestInit_<Op<P, M>> = {},
  ): Promise<Success<Op<P, M>>> {
    const url = buildUrl(base, template as string, init.path, init.query)
    const headers: Record<string, string> = {
      Accept: 'application/json, application/problem+json',
      'Accept-Language': options.lang(),
      ...init.headers,
    }
    if (init.body !== undefined) headers['Content-Type'] = 'application/json'
    if (method === 'post') headers['Idempotency-Key'] = init.idempotencyKey ?? newKey()
    const body = init.body === undefined ? undefined : JSON.stringify(init.body)
    const useAuth = !init.anonymous && options.auth

    for (let attempt = 0; ; attempt++) {
      const token = useAuth ? await options.auth!.accessToken() : null
      const h = token ? { ...headers, Authorization: `Bearer ${token}` } : headers
      let res: Response
      try {
        res = await doFetch(url, { method: method.toUpperCase(), headers: h, body, signal: init.signal })
      } catch (err) {
        if ((err as { name?: string })?.name === 'AbortError') throw err
        throw new ApiError(0, null, null, err)
      }
      if (res.status === 401 && useAuth && attempt === 0) {
        const fresh = await options.auth!.refresh()
        if (fresh) continue
        options.auth!.onSessionEnded()
      }
      if (res.ok) init.onHeaders?.(res.headers)
      return (await readAnswer(res)) as Success<Op<P, M>>
    }
  }

  return {
    GET: <P extends PathsWith<'get'>>(path: P, init?: RequestInit_<Op<P, 'get'>>) => send('get', path, init),
    POST: <P extends PathsWith<'post'>>(path: P, init?: RequestInit_<Op<P, 'post'>>) => send('post', path, init),
    PUT: <P extends PathsWith<'put'>>(path: P, init?: RequestInit_<Op<P, 'put'>>) => send('put', path, init),
    PATCH: <P extends PathsWith<'patch'>>(path: P, init?: RequestInit_<Op<P, 'patch'>>) => send('patch', path, init),
    DELETE: <P extends PathsWith<'delete'>>(path: P, init?: RequestInit_<Op<P, 'delete'>>) => send('delete', path, init),
  }
}

export type ApiClient = ReturnType<typeof createClient>

async function readAnswer(res: Response): Promise<unknown> {
  const type = res.headers.get('content-type') ?? ''
  const requestId = res.headers.get('x-request-id')
  if (res.ok) {
    if (res.status === 204) return undefined
    if (type.includes('json')) return res.json()
    return res.blob()
  }
  let problem: Problem | null = null
  if (type.includes('json')) {
    try {
      const data = (await res.json()) as Partial<Problem>
      if (data && typeof data === 'object' && typeof data.type === 'string') problem = data as Problem
    } catch {
      // not JSON after all: keep the status alone
    }
  }
  throw new ApiError(res.status, problem, requestId)
}
