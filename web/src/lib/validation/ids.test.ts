import { describe, expect, it } from 'vitest'
import { businessIdCheckDigit, checkBusinessId, checkIban, formatIban, normalizeBusinessId } from './ids'

describe('Y-tunnus', () => {
  it('accepts valid business ids', () => {
    expect(checkBusinessId('0737546-2')).toBeNull() // weights 7,9,10,5,8,4,2: sum 75, 75 % 11 = 9, 11 - 9 = 2
    expect(checkBusinessId('1572860-0')).toBeNull() // remainder 0 -> check digit 0
    expect(checkBusinessId('07375462')).toBeNull()
    expect(checkBusinessId(' 0737546 - 2 ')).toBeNull()
    expect(checkBusinessId('')).toBeNull()
  })
  it('names the problem', () => {
    expect(checkBusinessId('0737546-3')).toBe('checkDigit')
    expect(checkBusinessId('123456-7')).toBe('format')
    expect(checkBusinessId('abc')).toBe('format')
  })
  it('has no check digit for remainder 1', () => {
    // 0000022: 2*4 + 2*2 = 12, 12 % 11 = 1 -> no valid check digit
    expect(businessIdCheckDigit('0000022')).toBeNull()
    expect(checkBusinessId('0000022-0')).toBe('checkDigit')
  })
  it('normalises', () => {
    expect(normalizeBusinessId('07375462')).toBe('0737546-2')
    expect(normalizeBusinessId('x')).toBeNull()
  })
})

describe('IBAN', () => {
  it('accepts valid IBANs with or without spaces', () => {
    expect(checkIban('FI21 1234 5600 0007 85')).toBeNull()
    expect(checkIban('fi2112345600000785')).toBeNull()
    expect(checkIban('DE89 3704 0044 0532 0130 00')).toBeNull()
    expect(checkIban('GB82 WEST 1234 5698 7654 32')).toBeNull()
    expect(checkIban('')).toBeNull()
  })
  it('names the problem', () => {
    expect(checkIban('FI21 1234 5600 0007 86')).toBe('checksum')
    expect(checkIban('FI21 1234 5600 0007 8')).toBe('length')
    expect(checkIban('1234')).toBe('format')
  })
  it('formats in groups of four', () => {
    expect(formatIban('fi2112345600000785')).toBe('FI21 1234 5600 0007 85')
  })
})
