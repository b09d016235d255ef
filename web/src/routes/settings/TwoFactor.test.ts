import { fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setLang } from '../../lib/i18n/index.svelte'
import TwoFactor from './TwoFactor.svelte'

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
const problem = (code: string, detail: string, field: string) =>
  new Response(JSON.stringify({ type: `/problems/${code}`, title: 'x', status: 422, detail, errors: [{ field, code, message: detail }] }), {
    status: 422,
    headers: { 'content-type': 'application/problem+json' },
  })

describe('two-factor settings', () => {
  let enabled = false
  const codes = Array.from({ length: 10 }, (_, i) => `code-${i}`)
  beforeEach(() => {
    enabled = false
    setLang('en')
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit = {}) => {
        if (url === '/api/v1/me/two-factor') return json({ enabled, confirmed_at: enabled ? '2026-12-06T10:00:00Z' : null, recovery_codes_left: enabled ? 10 : 0 })
        if (url === '/api/v1/me/two-factor/setup') return json({ secret: 'JBSWY3DPEHPK3PXP', otpauth_uri: 'otpauth://totp/x', qr_svg: 'data:image/svg+xml;base64,PHN2Zy8+' })
        if (url === '/api/v1/me/two-factor/confirm') {
          const { code } = JSON.parse(String(init.body)) as { code: string }
          if (code !== '123456') return problem('two-factor-code-wrong', 'The code is wrong or too old.', 'code')
          enabled = true
          return json({ recovery_codes: codes })
        }
        return json({}, 404)
      }),
    )
  })
  afterEach(() => vi.unstubAllGlobals())

  it('turns on: QR code with alt text, grouped secret, wrong code explained, codes shown once until "saved"', async () => {
    render(TwoFactor)
    await fireEvent.click(await screen.findByRole('button', { name: 'Turn on' }))
    const qr = await screen.findByRole('img', { name: 'QR code for the authenticator app' })
    expect(qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/)
    expect(screen.getByText('JBSW Y3DP EHPK 3PXP')).toBeTruthy()

    await fireEvent.input(screen.getByLabelText('The 6-digit code the app shows'), { target: { value: '000000' } })
    await fireEvent.click(screen.getByRole('button', { name: 'Confirm and turn on' }))
    await screen.findAllByText('The code is wrong or too old.')

    await fireEvent.input(screen.getByLabelText('The 6-digit code the app shows'), { target: { value: '123 456' } })
    await fireEvent.click(screen.getByRole('button', { name: 'Confirm and turn on' }))
    await screen.findByRole('heading', { name: 'Recovery codes' })
    expect(screen.getAllByText(/^code-\d$/)).toHaveLength(10)
    const done = screen.getByRole('button', { name: 'Done' }) as HTMLButtonElement
    expect(done.disabled).toBe(true)
    await fireEvent.click(screen.getByLabelText('I have saved the recovery codes'))
    expect(done.disabled).toBe(false)
    await fireEvent.click(done)
    await waitFor(() => expect(screen.queryByText('code-0')).toBeNull())
    expect(screen.getByText(/Two-factor sign-in is on/)).toBeTruthy()
    expect(screen.getByText('Recovery codes left: 10')).toBeTruthy()
  })
})
