import { afterEach, describe, expect, it, vi } from 'vitest'
import { debounce, decimal, dropIndex, einvoiceMissing, moveLine, newLine, reorder, toLineIn } from './lines'

describe('invoice lines', () => {
  afterEach(() => vi.useRealTimers())

  it('moves a line up and down and never past the ends', () => {
    expect(moveLine(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b'])
    expect(moveLine(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c'])
    expect(moveLine(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c'])
    expect(moveLine(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c'])
  })

  it('reorders by dragging: a line lands where its middle passed the others\' middles', () => {
    const middles = [50, 150, 250, 350] // four lines 100 px tall
    // the first line dragged down past the second's middle (by 120 px): it becomes the second
    expect(dropIndex(middles, 0, 50 + 120)).toBe(1)
    expect(reorder(['a', 'b', 'c', 'd'], 0, dropIndex(middles, 0, 170))).toEqual(['b', 'a', 'c', 'd'])
    // not far enough: it stays
    expect(dropIndex(middles, 0, 50 + 90)).toBe(0)
    // the last line dragged to the top, and beyond it
    expect(reorder(['a', 'b', 'c', 'd'], 3, dropIndex(middles, 3, 40))).toEqual(['d', 'a', 'b', 'c'])
    expect(dropIndex(middles, 3, -500)).toBe(0)
    // the second line dragged past everything
    expect(reorder(['a', 'b', 'c', 'd'], 1, dropIndex(middles, 1, 9999))).toEqual(['a', 'c', 'd', 'b'])
    // a third line dragged up between the first and the second
    expect(reorder(['a', 'b', 'c', 'd'], 2, dropIndex(middles, 2, 100))).toEqual(['a', 'c', 'b', 'd'])
    // reorder clamps and never loses or duplicates a line
    expect(reorder(['a', 'b'], 0, 7)).toEqual(['b', 'a'])
    expect(reorder(['a', 'b'], 5, 0)).toEqual(['a', 'b'])
    expect(reorder([], 0, 0)).toEqual([])
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
