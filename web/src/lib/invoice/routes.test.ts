import { describe, expect, it } from 'vitest'
import { parseHash } from '../state/router.svelte'

describe('invoice routes', () => {
  it('parses the new, view and edit routes with the id in params', () => {
    expect(parseHash('#/invoices/new').name).toBe('invoiceNew')
    const view = parseHash('#/invoices/6f1c2a')
    expect([view.name, view.params.get('id')]).toEqual(['invoiceView', '6f1c2a'])
    const edit = parseHash('#/invoices/6f1c2a/edit')
    expect([edit.name, edit.params.get('id')]).toEqual(['invoiceEdit', '6f1c2a'])
    expect(parseHash('#/invoices').name).toBe('invoices')
    expect(parseHash('#/invoices/a/b').name).toBe('notFound')
  })
})
