import { closest } from '../../lib/internal/closest.js'

describe('closest', () => {
  test.each<[string, string | undefined]>([
    ['insert-rows', 'insert-row'],
    ['view-tabel', 'view-table'],
    ['excute-sql', 'execute-sql'],
    // near misses too far from any name get no suggestion
    ['exec-sql', undefined],
    ['publish', undefined],
    ['zzz', undefined],
  ])('%s → %s', (name, expected) => {
    expect(closest(name, ['insert-row', 'view-table', 'execute-sql', 'view-query'])).toBe(expected)
  })
})
