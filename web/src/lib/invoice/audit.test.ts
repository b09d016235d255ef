import { describe, expect, it } from 'vitest'
import { auditActionLabel, auditActor, auditLine } from './audit'

const ev = (action: string, extra: Record<string, unknown> = {}) => ({
  action,
  actor_name: 'Maija Meikäläinen',
  actor_user_id: 'u1',
  at: '2026-03-05T10:00:00Z',
  changes: null,
  ...extra,
})

describe('audit trail lines', () => {
  it('translates every action the backend records for an invoice, in fi, sv and en', () => {
    const actions = ['created', 'updated', 'deleted', 'issued', 'credited', 'send_requested', 'sent', 'send_failed', 'payment_recorded', 'payment_removed']
    for (const lang of ['fi', 'sv', 'en'] as const) {
      for (const a of actions) expect(auditActionLabel(a, lang), `${lang} ${a}`).not.toBe(a)
    }
    expect(auditActionLabel('issued', 'fi')).toBe('Vahvistettu')
    expect(auditActionLabel('payment_recorded', 'sv')).toBe('Betalning registrerad')
    expect(auditActionLabel('sent', 'en')).toBe('Sent')
  })

  it('shows an unknown action as its raw name', () => {
    expect(auditActionLabel('reminder_sent', 'fi')).toBe('reminder_sent')
    expect(auditActionLabel('constructor', 'en')).toBe('constructor')
  })

  it('names the system in the user\'s language and keeps a user\'s name as recorded', () => {
    expect(auditActor({ actor_name: 'system', actor_user_id: null }, 'fi')).toBe('järjestelmä')
    expect(auditActor({ actor_name: 'system', actor_user_id: 'u1' }, 'en')).toBe('system')
    expect(auditActor({ actor_name: 'Maija', actor_user_id: 'u1' }, 'sv')).toBe('Maija')
  })

  it('formats the time for the locale and adds the amount of a payment and the recipients of a send', () => {
    const fi = auditLine(ev('payment_recorded', { changes: { amount: '1234.50', payment_date: '2026-03-05' } }), 'fi')
    expect(fi.label).toBe('Maksu kirjattu')
    expect(fi.detail.replace(/\s/g, ' ')).toBe('1 234,50 €')
    expect(fi.time).toMatch(/5\.3\.2026/)
    const en = auditLine(ev('sent', { actor_name: 'system', actor_user_id: null, changes: { recipients: ['a@example.fi', 'b@example.fi'] } }), 'en')
    expect([en.label, en.actor, en.detail]).toEqual(['Sent', 'system', 'a@example.fi, b@example.fi'])
    expect(en.time).toMatch(/3\/5\/26|05\/03\/2026|5\/3\/2026/)
    expect(auditLine(ev('issued'), 'sv').detail).toBe('')
  })
})
