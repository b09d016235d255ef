import { afterEach, describe, expect, it, vi } from 'vitest'
import { debounce, decimal, einvoiceMissing, moveLine, newLine, toLineIn } from './lines'

describe('invoice lines', () => {
  afterEach(() => vi.useRealTimers())

  it('moves a line up and down and never past the ends', () => {
    expect(moveLine(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b'])
    expect(moveLine(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c'])
    expect(moveLine(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c'])
    expect(moveLine(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c'])
  })

  it('sends decimals as the API wants them, never as floats', () => {
    expect(decimal('1 234,50')).toBe('1234.50')
    const line = toLineIn(newLine({ description: ' Työ ', quantity: '1,5', unit_price: '100,10', vat_rate: '13.5' }))
    expect(line).toEqual({ product_id: null, description: 'Työ', quantity: '1.5', unit: 'kpl', unit_price: '100.10', discount_percent: '0', vat_rate: '13.5' })
    expect(toLineIn(newLine({ unit_price: '' })).unit_price).toBeNull()
  })

  it('debounces: one call after the last change, and cancel drops it', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    const d = debounce(fn, 300)
    d(1)
    d(2)
    vi.advanceTimersByTime(299)
    expect(fn).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(fn).toHaveBeenCalledExactlyOnceWith(2)
    d(3)
    d.cancel()
    vi.advanceTimersByTime(1000)
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('warns about an e-invoice customer without a buyer or order reference', () => {
    expect(einvoiceMissing({ einvoice_address: '003701234567' }, '', ' ')).toBe(true)
    expect(einvoiceMissing({ einvoice_address: '003701234567' }, 'PO-1', '')).toBe(false)
    expect(einvoiceMissing({ einvoice_address: null }, '', '')).toBe(false)
  })
})
