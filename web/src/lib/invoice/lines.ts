// The invoice editor's lines and helpers. Amounts stay strings as typed; the API computes money.
import type { Schemas } from '../api/client'

export interface EditLine {
  key: string
  product_id: string | null
  description: string
  quantity: string
  unit: string
  unit_price: string
  discount_percent: string
  vat_rate: string
}

/** The VAT rates in force (general, food, books etc., zero); the older 14 and 24 stay valid for old tax points. */
export const VAT_RATES = ['25.5', '14', '13.5', '10', '0'] as const

let counter = 0
export function newLine(init: Partial<Omit<EditLine, 'key'>> = {}): EditLine {
  counter += 1
  return { key: `l${counter}`, product_id: null, description: '', quantity: '1', unit: 'kpl', unit_price: '', discount_percent: '0', vat_rate: '25.5', ...init }
}

/** Move the line at `from` by `delta` (-1 up, +1 down); a new array, the same one when it cannot move. */
export function moveLine<T>(lines: readonly T[], from: number, delta: number): T[] {
  const to = from + delta
  if (from < 0 || from >= lines.length || to < 0 || to >= lines.length) return [...lines]
  const copy = [...lines]
  const [item] = copy.splice(from, 1)
  copy.splice(to, 0, item as T)
  return copy
}

/** Move the item at `from` to position `to` (clamped to the list); a new array. */
export function reorder<T>(items: readonly T[], from: number, to: number): T[] {
  const copy = [...items]
  if (from < 0 || from >= items.length) return copy
  const target = Math.max(0, Math.min(items.length - 1, to))
  const [item] = copy.splice(from, 1)
  copy.splice(target, 0, item as T)
  return copy
}

/**
 * Where a dragged line lands: `middles` are the vertical middles of the lines as the drag began
 * (in order, the dragged one included), `y` is where the dragged line's middle is now. The answer
 * is its new index: the number of other lines whose middle it has passed downwards.
 */
export function dropIndex(middles: readonly number[], from: number, y: number): number {
  let index = 0
  middles.forEach((m, i) => {
    if (i !== from && m < y) index += 1
  })
  return index
}

/** Decimal input as the user typed it ("1,5" too) -> the API's "1.5"; spaces dropped. */
export function decimal(text: string): string {
  return text.replace(/[\s\u00a0]/g, '').replace(',', '.')
}

export function toLineIn(line: EditLine): Schemas['LineIn-Input'] {
  return {
    product_id: line.product_id,
    description: line.description.trim() || null,
    quantity: decimal(line.quantity) || '0',
    unit: line.unit.trim() || null,
    unit_price: line.unit_price.trim() === '' ? null : decimal(line.unit_price),
    discount_percent: decimal(line.discount_percent) || '0',
    vat_rate: line.vat_rate === '' ? null : line.vat_rate,
  }
}

export function fromLineRead(line: Pick<Schemas['LineRead'], 'product_id' | 'description' | 'quantity' | 'unit' | 'unit_price' | 'discount_percent' | 'vat_rate'>): EditLine {
  return newLine({
    product_id: line.product_id,
    description: line.description,
    quantity: line.quantity,
    unit: line.unit ?? '',
    unit_price: line.unit_price,
    discount_percent: line.discount_percent,
    vat_rate: line.vat_rate,
  })
}

/** A line as it was sent (a recurring invoice's template keeps LineIn: parts may be left out). */
export function fromLineIn(line: { product_id?: string | null; description?: string | null; quantity: string; unit?: string | null; unit_price?: string | null; discount_percent: string; vat_rate?: string | null }): EditLine {
  return newLine({
    product_id: line.product_id ?? null,
    description: line.description ?? '',
    quantity: line.quantity,
    unit: line.unit ?? '',
    unit_price: line.unit_price ?? '',
    discount_percent: line.discount_percent,
    vat_rate: line.vat_rate ?? (line.product_id ? '' : '25.5'),
  })
}

/** Call `fn` once `ms` after the last call; `cancel` drops a pending call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): ((...args: A) => void) & { cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined
  const wrapped = (...args: A) => {
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      fn(...args)
    }, ms)
  }
  wrapped.cancel = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
  }
  return wrapped
}

/** What an e-invoice to this customer still lacks: a buyer reference or an order reference. */
export function einvoiceMissing(customer: { einvoice_address: string | null } | null, buyerReference: string, orderReference: string): boolean {
  return !!customer?.einvoice_address && !buyerReference.trim() && !orderReference.trim()
}
