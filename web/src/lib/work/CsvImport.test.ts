import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setLang } from '../i18n/index.svelte'
import CsvImport from './CsvImport.svelte'

function report(state: string, extra: Record<string, unknown> = {}) {
  return {
    id: 'imp1', kind: 'customers', state, filename: 'a.csv', total_rows: 3, done_rows: 0, created_count: 0, error_count: 0,
    errors: [], warnings: [], columns: { used: { name: 'Nimi' }, ignored: ['Muu'] },
    created_at: '2026-12-06T10:00:00Z', updated_at: '2026-12-06T10:00:00Z', finished_at: null, ...extra,
  }
}
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

describe('CsvImport', () => {
  const calls: { url: string; init?: RequestInit }[] = []
  let answers: Response[] = []
  beforeEach(() => {
    calls.length = 0
    setLang('fi')
    vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
      calls.push({ url, init })
      return answers.shift() ?? json(report('done', { created_count: 3, done_rows: 3 }))
    }))
  })
  afterEach(() => vi.unstubAllGlobals())

  async function chooseAndCheck() {
    render(CsvImport, { kind: 'customers', ondone: onDone })
    await fireEvent.click(screen.getByRole('button', { name: 'Tuo CSV-tiedostosta' }))
    const input = screen.getByLabelText('CSV-tiedosto') as HTMLInputElement
    const file = new File(['Nimi;Muu\nA;1\n'], 'a.csv', { type: 'text/csv' })
    Object.defineProperty(input, 'files', { value: [file] })
    await fireEvent.change(input)
    await fireEvent.click(screen.getByRole('button', { name: 'Tarkista tiedosto' }))
  }
  const onDone = vi.fn()

  it('sends the file as text/csv and shows every bad row by line and column', async () => {
    answers = [json(report('invalid', { error_count: 2, errors: [
      { line: 4, column: 'Y-tunnus', field: 'business_id', message: 'väärä tarkiste' },
      { line: 2, column: null, field: 'email', message: 'ei osoite' },
    ] }), 201)]
    await chooseAndCheck()
    expect(await screen.findByText(/Tiedostossa on 2 virhettä/)).toBeTruthy()
    const items = screen.getAllByRole('listitem').map((li) => li.textContent)
    expect(items).toEqual(['Rivi 2, sarake email: ei osoite', 'Rivi 4, sarake Y-tunnus: väärä tarkiste'])
    expect(screen.getByText(/Ohitetut sarakkeet: Muu/)).toBeTruthy()
    expect(screen.queryByRole('button', { name: /^Tuo \d+ riviä$/ })).toBeNull()
    expect(calls[0]!.url).toBe('/api/v1/imports?kind=customers&filename=a.csv')
    expect((calls[0]!.init!.headers as Record<string, string>)['Content-Type']).toBe('text/csv')
  })

  it('runs a checked file, follows the progress and tells the list to reload', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    try {
      answers = [json(report('checked'), 201), json(report('queued'), 202), json(report('running', { done_rows: 1 }))]
      await chooseAndCheck()
      await fireEvent.click(await screen.findByRole('button', { name: 'Tuo 3 riviä' }))
      await vi.advanceTimersByTimeAsync(1000)
      expect(await screen.findByText('Tuodaan: 1 / 3')).toBeTruthy()
      expect((document.querySelector('progress') as HTMLProgressElement).value).toBe(33)
      await vi.advanceTimersByTimeAsync(1000)
      expect(await screen.findByText('Tuotu 3 riviä.')).toBeTruthy()
      expect(onDone).toHaveBeenCalledTimes(1)
      expect(calls.map((c) => c.url).slice(1)).toEqual(['/api/v1/imports/imp1/run', '/api/v1/imports/imp1', '/api/v1/imports/imp1'])
    } finally {
      vi.useRealTimers()
    }
  })
})
