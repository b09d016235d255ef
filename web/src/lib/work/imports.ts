// CSV import (docs/imports.md): the report's pieces and the progress; pure, tested in imports.test.ts.
export interface RowProblemLike {
  line: number
  column?: string | null
  field?: string | null
  message: string
}

/** Bad rows grouped by line, in line order (a row may have several problems). */
export function problemsByLine<T extends RowProblemLike>(problems: readonly T[]): { line: number; problems: T[] }[] {
  const map = new Map<number, T[]>()
  for (const p of problems) map.set(p.line, [...(map.get(p.line) ?? []), p])
  return [...map.entries()].sort((a, b) => a[0] - b[0]).map(([line, ps]) => ({ line, problems: ps }))
}

/** Progress 0..100 (whole percent) of an import that runs. */
export function progressPercent(done: number, total: number): number {
  if (total <= 0) return 0
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)))
}

export const RUNNING_STATES = ['queued', 'running'] as const
export function isRunning(state: string): boolean {
  return (RUNNING_STATES as readonly string[]).includes(state)
}
