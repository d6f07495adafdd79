/**
 * The managed-token format: `<prefix>_<R><C>`, C the CRC32 (IEEE) of R's ASCII bytes as 6
 * base62 digits. The vectors were computed independently, with Python's zlib.crc32
 * (`__tests__/fixtures/managed-token-vectors.json`).
 */
import { randomInt } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkManagedTokenShape, managedTokenPattern } from 'tokengate'
import { checkTokenPrefix, generateManagedToken, managedTokenChecksum, managedTokenStart } from '../../lib/tokens/managed-format.js'
import { thrown } from '../helpers/thrown.js'

const vectors = JSON.parse(readFileSync(join(__dirname, '../fixtures/managed-token-vectors.json'), 'utf8')) as {
  vectors: { random: string; crc32: number; checksum: string; token: string }[]
}

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

describe('the checksum', () => {
  test.each(vectors.vectors)('$random → $checksum (CRC32 $crc32)', ({ random, checksum, token }) => {
    expect(managedTokenChecksum(random)).toBe(checksum)
    expect(checkManagedTokenShape(token, 'tgk')).toBe('ok')
  })

  test('the vectors include a checksum that needs zero-padding', () => {
    expect(vectors.vectors.some((v) => v.checksum.startsWith('00'))).toBe(true)
  })
})

describe('generateManagedToken', () => {
  test('makes prefix_ + 32 base62 characters + their checksum, different every time', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 200; i++) {
      const token = generateManagedToken('tgk')
      expect(token).toMatch(/^tgk_[0-9A-Za-z]{38}$/)
      expect(token.slice(-6)).toBe(managedTokenChecksum(token.slice(4, 36)))
      expect(checkManagedTokenShape(token, 'tgk')).toBe('ok')
      seen.add(token)
    }
    expect(seen.size).toBe(200)
  })

  test('uses every base62 digit (no modulo bias towards a subset)', () => {
    const counts = new Map<string, number>()
    for (let i = 0; i < 300; i++) for (const c of generateManagedToken('tgk').slice(4, 36)) counts.set(c, (counts.get(c) ?? 0) + 1)
    expect([...counts.keys()].sort().join('')).toBe([...DIGITS].sort().join(''))
  })

  test('the display start is the prefix and 4 characters', () => {
    const token = generateManagedToken('acme')
    expect(managedTokenStart(token, 'acme')).toBe(token.slice(0, 9))
    expect(managedTokenStart(token, 'acme')).toMatch(/^acme_[0-9A-Za-z]{4}$/)
  })
})

describe('checkManagedTokenShape', () => {
  const good = vectors.vectors[3]!.token
  test.each([
    ['a good token', good, 'ok'],
    ['another prefix', good.replace('tgk_', 'acme_'), 'other'],
    ['the prefix without the underscore', `tgk${good.slice(4)}`, 'other'],
    ['a longer prefix that starts with it', `tgkx_${good.slice(4)}`, 'other'],
    ['a dstok_ token', 'dstok_abc.def', 'other'],
    ['the prefix alone', 'tgk_', 'malformed'],
    ['one character short', good.slice(0, -1), 'malformed'],
    ['one character long', `${good}A`, 'malformed'],
    ['a character outside base62', `${good.slice(0, 10)}-${good.slice(11)}`, 'malformed'],
    ['a non-ASCII character', `${good.slice(0, 10)}é${good.slice(11)}`, 'malformed'],
    ['the checksum changed', `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`, 'bad_checksum'],
    ['one random character changed', `${good.slice(0, 8)}${good[8] === 'A' ? 'B' : 'A'}${good.slice(9)}`, 'bad_checksum'],
    ['upper-cased', good.toUpperCase(), 'other'],
  ] as const)('%s → %s', (_what, token, shape) => {
    expect(checkManagedTokenShape(token, 'tgk')).toBe(shape)
  })

  test('random single-character typos are caught by the checksum (CRC32 catches every one)', () => {
    for (let i = 0; i < 500; i++) {
      const token = generateManagedToken('tgk')
      const at = 4 + randomInt(38)
      let replacement = DIGITS[randomInt(62)]!
      while (replacement === token[at]) replacement = DIGITS[randomInt(62)]!
      const typo = token.slice(0, at) + replacement + token.slice(at + 1)
      expect(checkManagedTokenShape(typo, 'tgk')).toBe('bad_checksum')
    }
  })
})

describe('prefixes', () => {
  test.each(['tgk', 'ab', 'acme2', 'a23456789012345x'])('%s is accepted', (prefix) => {
    expect(checkTokenPrefix(prefix)).toBe(prefix)
  })
  test.each([['a'], ['Tgk'], ['2fa'], ['tg_k'], ['a234567890123456x'], [''], [7], ['dstok']])('%p is refused with a TypeError', (prefix) => {
    expect(thrown(() => checkTokenPrefix(prefix))).toBeInstanceOf(TypeError)
  })
  test('the default is tgk', () => {
    expect(checkTokenPrefix(undefined)).toBe('tgk')
  })
})

describe('managedTokenPattern, for secret scanners', () => {
  test('finds tokens in text, and nothing in longer runs or other prefixes', () => {
    const a = generateManagedToken('tgk')
    const b = generateManagedToken('tgk')
    const text = `export TOKEN=${a}\nother: acme_${b.slice(4)} long: ${b}X\n"${b}"`
    expect(text.match(managedTokenPattern())).toEqual([a, b])
    expect(text.match(managedTokenPattern('acme'))).toEqual([`acme_${b.slice(4)}`])
    expect(managedTokenPattern('tgk').source).toBe('\\btgk_[0-9A-Za-z]{38}\\b')
  })
})
