// The audit trail's lines in the user's language (pure, tested in audit.test.ts). The backend
// records these actions for an invoice (grep `action=` in src/laskutin): created, updated,
// deleted, issued, credited, send_requested, sent, send_failed, payment_recorded,
// payment_removed (and archived/unarchived for customers and products). An action this app does
// not know yet shows as its raw name.
import { dictionaries, type Lang, type MessageKey } from '../i18n/index.svelte'
import { formatInstant, formatMoney } from '../i18n/format'

export interface AuditEventLike {
  action: string
  actor_name: string
  actor_user_id: string | null
  at: string
  changes?: Record<string, unknown> | null
}

export function auditActionLabel(action: string, lang: Lang): string {
  const key = `audit.action.${action}` as MessageKey
  return dictionaries[lang][key] ?? action
}

/** The user's name as recorded, or "system" in the user's language for the system's own events. */
export function auditActor(ev: Pick<AuditEventLike, 'actor_name' | 'actor_user_id'>, lang: Lang): string {
  return ev.actor_user_id === null && ev.actor_name === 'system' ? dictionaries[lang]['audit.system'] : ev.actor_name
}

/** A short detail where the event has one worth showing: the amount of a payment, the recipients of a send. */
export function auditDetail(ev: Pick<AuditEventLike, 'action' | 'changes'>, lang: Lang, currency = 'EUR'): string {
  const c = ev.changes ?? {}
  if ((ev.action === 'payment_recorded' || ev.action === 'payment_removed') && typeof c['amount'] === 'string') return formatMoney(c['amount'], currency, lang)
  if ((ev.action === 'sent' || ev.action === 'send_requested') && Array.isArray(c['recipients'])) return c['recipients'].filter((r) => typeof r === 'string').join(', ')
  return ''
}

export function auditLine(ev: AuditEventLike, lang: Lang, currency = 'EUR'): { time: string; label: string; actor: string; detail: string } {
  return { time: formatInstant(ev.at, lang), label: auditActionLabel(ev.action, lang), actor: auditActor(ev, lang), detail: auditDetail(ev, lang, currency) }
}
