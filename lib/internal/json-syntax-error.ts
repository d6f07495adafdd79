/**
 * Locating a JSON syntax error without quoting the text: `JSON.parse`'s own message quotes a
 * piece of the text on some Node versions, and a configuration file may hold secrets. The
 * loader reports the line and column this module works out instead.
 *
 * @module
 * @internal
 */
import { isPlainObject } from './is-plain-object.js'

/** Where a JSON text stops being JSON, and what was expected there. */
export interface JsonSyntaxProblem {
  offset: number
  expected: string
}

/**
 * Find the first syntax error in a text that `JSON.parse` rejected. `JSON.parse`'s own message
 * quotes a piece of the text on some Node versions, which may be a secret, so the position and
 * the expectation are worked out here instead.
 */
export function locateJsonError(text: string): JsonSyntaxProblem | undefined {
  let at = 0
  const fail = (expected: string): never => {
    throw { offset: at, expected } satisfies JsonSyntaxProblem
  }
  const ws = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text.charAt(at))) at++
  }
  const end = (): boolean => at >= text.length
  const string = (): void => {
    at++ // the opening quote
    for (;;) {
      if (end()) fail('a closing quote \'"\' before the end of the file')
      const code = text.charCodeAt(at)
      if (code === 0x22) {
        at++
        return
      }
      if (code < 0x20) fail('no control character inside a string (write \\n, \\t, … instead)')
      if (code === 0x5c) {
        const escape = text.charAt(at + 1)
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) fail('four hex digits after \\u')
          at += 6
        } else if ('"\\/bfnrt'.includes(escape) && escape !== '') {
          at += 2
        } else {
          fail('a valid escape after "\\" (one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)')
        }
      } else {
        at++
      }
    }
  }
  const value = (): void => {
    ws()
    if (end()) fail('a value before the end of the file')
    const char = text.charAt(at)
    if (char === '{') {
      at++
      ws()
      if (text.charAt(at) === '}') {
        at++
        return
      }
      for (;;) {
        ws()
        if (text.charAt(at) !== '"') {
          fail(text.charAt(at) === '}' ? 'a key in double quotes (JSON allows no trailing comma)' : 'a key in double quotes')
        }
        string()
        ws()
        if (text.charAt(at) !== ':') fail('":" after the key')
        at++
        value()
        ws()
        if (text.charAt(at) === ',') {
          at++
          continue
        }
        if (text.charAt(at) === '}') {
          at++
          return
        }
        fail('"," or "}" after a value in an object')
      }
    }
    if (char === '[') {
      at++
      ws()
      if (text.charAt(at) === ']') {
        at++
        return
      }
      for (;;) {
        ws()
        if (text.charAt(at) === ']') fail('a value (JSON allows no trailing comma)')
        value()
        ws()
        if (text.charAt(at) === ',') {
          at++
          continue
        }
        if (text.charAt(at) === ']') {
          at++
          return
        }
        fail('"," or "]" after a value in a list')
      }
    }
    if (char === '"') return string()
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, at)) {
        at += literal.length
        return
      }
    }
    const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
    number.lastIndex = at
    if (char !== '' && '-0123456789'.includes(char) && number.test(text)) {
      at = number.lastIndex
      return
    }
    fail('a value (a string in double quotes, a number, true, false, null, an object or a list)')
  }
  try {
    value()
    ws()
    if (!end()) fail('the end of the file after the JSON value')
    return undefined
  } catch (problem) {
    if (isPlainObject(problem) && typeof problem['offset'] === 'number') return problem as unknown as JsonSyntaxProblem
    return { offset: at, expected: 'valid JSON' }
  }
}

/** `line L, column C (character N)` for an offset into a text. @internal */
export function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  const column = offset - before.lastIndexOf('\n')
  return `line ${line}, column ${column} (character ${offset + 1})`
}
