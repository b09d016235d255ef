// Small pure helpers of the access screens (invitations, two-factor sign-in, API keys), kept
// apart from the components so they are unit-tested (access.test.ts).
import type { Schemas } from '../api/client'

type Role = Schemas['Role']
type InvitationState = Schemas['InvitationRead']['state']

/** A base32 secret in groups of four for typing by hand: "JBSW Y3DP EHPK 3PXP". */
export function groupSecret(secret: string, size = 4): string {
  const clean = secret.replace(/[\s-]/g, '').toUpperCase()
  const groups: string[] = []
  for (let i = 0; i < clean.length; i += size) groups.push(clean.slice(i, i + size))
  return groups.join(' ')
}

/** The roles a member may invite in: only an owner invites owners. */
export function invitableRoles(myRole: Role | undefined): Role[] {
  const all: Role[] = ['owner', 'admin', 'member', 'accountant']
  return myRole === 'owner' ? all : all.filter((r) => r !== 'owner')
}

/** What can be done to an invitation in its state: a new link for an open or expired one,
 * revoking an open one. Accepted and revoked ones are history. */
export function invitationActions(state: InvitationState): { resend: boolean; revoke: boolean } {
  return { resend: state === 'pending' || state === 'expired', revoke: state === 'pending' }
}

/** The token of an invitation link's route (`#/invitation?token=…`), or '' without one. */
export function invitationToken(params: URLSearchParams): string {
  return (params.get('token') ?? '').trim()
}

/** The invited address and the signed-in one are the same (letter case does not matter). */
export function sameAddress(a: string | null | undefined, b: string | null | undefined): boolean {
  return !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase()
}

/** The recovery codes as a small text file to keep: a title, the account, the codes one a line. */
export function recoveryCodesText(codes: readonly string[], o: { title: string; account: string; note: string; made: string }): string {
  return [o.title, o.account, o.made, '', ...codes, '', o.note, ''].join('\r\n')
}

/** "laskutin-recovery-codes-2026-12-06.txt" */
export function recoveryCodesFilename(now: Date): string {
  const d = now.toISOString().slice(0, 10)
  return `laskutin-recovery-codes-${d}.txt`
}

/** The API's answer 403 /problems/two-factor-required: the company wants a second factor. */
export function isTwoFactorRequired(status: number, problem: unknown): boolean {
  if (status !== 403 || !problem || typeof problem !== 'object') return false
  const type = (problem as { type?: unknown }).type
  return typeof type === 'string' && /(^|\/)problems\/two-factor-required$/.test(type)
}

/** The scopes of a new key from the choice in the form. */
export function keyScopes(choice: 'read' | 'write'): ('read' | 'write')[] {
  return choice === 'write' ? ['read', 'write'] : ['read']
}

/** A company's resource (not the user's own /me, sign-in or the dev mailbox): a success there
 * means the company does not hold the user back for a missing second factor. */
export function isCompanyResource(url: string): boolean {
  const path = url.replace(/^[a-z]+:\/\/[^/]+/i, '').split('?')[0]!
  return path.startsWith('/api/v1/') && !/^\/api\/v1\/(me|auth|dev)(\/|$)/.test(path)
}
