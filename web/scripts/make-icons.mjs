// Draws the app icons (a white "L" and an invoice line on blue) as PNG files in public/.
// No image library: raw RGBA rows, zlib, and the PNG chunk format. Run: node scripts/make-icons.mjs
import { writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'

const BLUE = [0x1d, 0x4e, 0xd8, 255]
const WHITE = [255, 255, 255, 255]
const CLEAR = [0, 0, 0, 0]

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

/** size: pixels; safe: fraction of the side the glyph may use; rounded: corner radius fraction (0 = full bleed). */
function icon(size, { safe, rounded }) {
  const rows = []
  const r = rounded * size
  const inRounded = (x, y) => {
    if (r === 0) return true
    const cx = Math.min(Math.max(x, r), size - r)
    const cy = Math.min(Math.max(y, r), size - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
  }
  const g0 = (size * (1 - safe)) / 2 // glyph box origin
  const g = size * safe // glyph box side
  const rect = (x, y, x0, y0, x1, y1) => x >= g0 + x0 * g && x < g0 + x1 * g && y >= g0 + y0 * g && y < g0 + y1 * g
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4) // filter byte 0
    for (let x = 0; x < size; x++) {
      const px = x + 0.5
      const py = y + 0.5
      let c = inRounded(px, py) ? BLUE : CLEAR
      // "L": stem and foot
      if (rect(px, py, 0.22, 0.15, 0.37, 0.85) || rect(px, py, 0.22, 0.7, 0.78, 0.85)) c = WHITE
      // two invoice lines to the right of the stem
      if (rect(px, py, 0.47, 0.28, 0.78, 0.36) || rect(px, py, 0.47, 0.46, 0.7, 0.54)) c = WHITE
      row.set(c, 1 + x * 4)
    }
    rows.push(row)
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

const out = new URL('../public/', import.meta.url)
writeFileSync(new URL('icon-192.png', out), icon(192, { safe: 0.8, rounded: 0.18 }))
writeFileSync(new URL('icon-512.png', out), icon(512, { safe: 0.8, rounded: 0.18 }))
writeFileSync(new URL('icon-maskable-512.png', out), icon(512, { safe: 0.6, rounded: 0 }))
writeFileSync(new URL('apple-touch-icon.png', out), icon(180, { safe: 0.7, rounded: 0 }))
