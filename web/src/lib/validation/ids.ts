// Instant, offline checks for the forms. The API stays the authority: these only give feedback
// while typing (a value that passes here can still be refused by the server, and the other way
// round the server's message is shown at the field).

const YT_WEIGHTS = [7, 9, 10, 5, 8, 4, 2] as const

/** Normalises "1234567-8" / "12345678" / " 1234567 - 8 " to "1234567-8", or null when not that shape. */
export function normalizeBusinessId(input: string): string | null {
  const s = input.replace(/\s+/g, '')
  const m = /^(\d{7})-?(\d)$/.exec(s)
  return m ? `${m[1]}-${m[2]}` : null
}

/** The check digit for seven digits, or null when no digit fits (remainder 1). */
export function businessIdCheckDigit(digits: string): number | null {
  if (!/^\d{7}$/.test(digits)) return null
  let sum = 0
  for (let i = 0; i < 7; i++) sum += Number(digits[i]) * YT_WEIGHTS[i]!
  const r = sum % 11
  if (r === 0) return 0
  if (r === 1) return null
  return 11 - r
}

export type BusinessIdProblem = 'format' | 'checkDigit'

/** null when the Y-tunnus is valid (or empty), otherwise what is wrong with it. */
export function checkBusinessId(input: string): BusinessIdProblem | null {
  if (!input.trim()) return null
  const n = normalizeBusinessId(input)
  if (!n) return 'format'
  const check = businessIdCheckDigit(n.slice(0, 7))
  return check !== null && check === Number(n[8]) ? null : 'checkDigit'
}

/** IBAN lengths for the countries a Finnish business meets most; others are checked by mod-97 only. */
const IBAN_LENGTHS: Record<string, number> = {
  FI: 18, SE: 24, NO: 15, DK: 18, EE: 20, DE: 22, FR: 27, NL: 18, GB: 22, AX: 18, ES: 24, IT: 27, PL: 28, LV: 21, LT: 20, BE: 16, AT: 20, IE: 22,
}

export function normalizeIban(input: string): string {
  return input.replace(/\s+/g, '').toUpperCase()
}

/** Groups of four: "FI21 1234 5600 0007 85". */
export function formatIban(input: string): string {
  return normalizeIban(input).replace(/(.{4})(?=.)/g, '$1 ')
}

export type IbanProblem = 'format' | 'length' | 'checksum'

/** null when the IBAN is valid (or empty), otherwise what is wrong with it. */
export function checkIban(input: string): IbanProblem | null {
  const s = normalizeIban(input)
  if (!s) return null
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(s)) return 'format'
  const expected = IBAN_LENGTHS[s.slice(0, 2)]
  if (expected !== undefined && s.length !== expected) return 'length'
  const rearranged = s.slice(4) + s.slice(0, 4)
  let rem = 0
  for (const ch of rearranged) {
    const v = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch
    for (const d of v) rem = (rem * 10 + Number(d)) % 97
  }
  return rem === 1 ? null : 'checksum'
}
