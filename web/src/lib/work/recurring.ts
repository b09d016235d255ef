// The recurring invoice editor's schedule form <-> the API's `schedule` (docs/recurring.md);
// pure, tested in recurring.test.ts.
import type { Schemas } from '../api/client'

export interface ScheduleForm {
  unit: 'day' | 'week' | 'month'
  every: string
  /** '' = the start date's day; '31' = the last day of the month */
  dayOfMonth: string
  weekend: 'keep' | 'friday' | 'monday'
  startDate: string
  /** how it ends: never, on a date, after a number of invoices */
  ends: 'never' | 'date' | 'count'
  endDate: string
  count: string
}

export function scheduleForm(s: Schemas['ScheduleRead'] | null, today: string): ScheduleForm {
  if (!s) return { unit: 'month', every: '1', dayOfMonth: '', weekend: 'keep', startDate: today, ends: 'never', endDate: '', count: '' }
  return {
    unit: s.unit,
    every: String(s.every),
    dayOfMonth: s.day_of_month === null ? '' : String(s.day_of_month),
    weekend: s.weekend,
    startDate: s.start_date,
    ends: s.end_date ? 'date' : s.count ? 'count' : 'never',
    endDate: s.end_date ?? '',
    count: s.count ? String(s.count) : '',
  }
}

const int = (text: string): number => (/^\s*\d+\s*$/.test(text) ? Number(text) : NaN)

/** The API's schedule; numbers the user mistyped go as they are, so the API names the field. */
export function scheduleBody(f: ScheduleForm): Schemas['Schedule'] {
  const every = int(f.every)
  return {
    unit: f.unit,
    every: Number.isNaN(every) ? (f.every as unknown as number) : every,
    day_of_month: f.unit === 'month' && f.dayOfMonth ? int(f.dayOfMonth) : null,
    weekend: f.weekend,
    start_date: f.startDate,
    end_date: f.ends === 'date' && f.endDate ? f.endDate : null,
    count: f.ends === 'count' && f.count ? int(f.count) : null,
  }
}

/** The fields of `next` that differ from `before` (null: nothing changed; everything when new). */
export function scheduleChanges(before: Schemas['Schedule'] | null, next: Schemas['Schedule']): Schemas['ScheduleUpdate'] | null {
  if (!before) return next
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(next)) {
    if ((before as Record<string, unknown>)[k] !== v) out[k] = v
  }
  return Object.keys(out).length ? (out as Schemas['ScheduleUpdate']) : null
}
