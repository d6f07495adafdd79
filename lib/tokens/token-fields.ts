/**
 * The checks of a managed token's name and description, and how a wrong value is described in
 * a message: shared by `gate.tokens` (`token-manager.ts`) and the admin API's body validation
 * (`admin/validate.ts`), which check the same fields under their own names.
 *
 * @module
 * @internal
 */
import { InvalidParameterError } from '../errors.js'

/** The longest name, in characters. @internal */
export const MAX_NAME = 200

/** The longest description, in characters. @internal */
export const MAX_DESCRIPTION = 2000

const CONTROL = /[\u0000-\u001f\u007f]/

/** A value described for a message, never quoting more than a few characters. @internal */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'string') return value.length > 40 ? `the string ${JSON.stringify(value.slice(0, 40))}…` : `the string ${JSON.stringify(value)}`
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`
  return typeof value === 'object' ? 'an object' : typeof value
}

/**
 * A token name: 1 to {@link MAX_NAME} characters, not blank, no control characters.
 * @param field - the name the message gives the field.
 * @param absent - what the message calls a missing value.
 * @throws InvalidParameterError naming `field`.
 * @internal
 */
export function checkTokenName(value: unknown, field = 'name', absent = 'undefined'): string {
  if (typeof value !== 'string') throw new InvalidParameterError(field, `${field} must be a string of 1 to ${MAX_NAME} characters, got ${value === undefined ? absent : describe(value)}`)
  const length = [...value].length
  if (length === 0 || value.trim() === '') throw new InvalidParameterError(field, `${field} must not be empty`)
  if (length > MAX_NAME) throw new InvalidParameterError(field, `${field} must be at most ${MAX_NAME} characters, got ${length}`)
  if (CONTROL.test(value)) throw new InvalidParameterError(field, `${field} must not contain control characters such as line breaks`)
  return value
}

/**
 * A token description: `null` when absent, else a string of at most {@link MAX_DESCRIPTION} characters.
 * @throws InvalidParameterError naming `description`.
 * @internal
 */
export function checkTokenDescription(value: unknown): string | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') throw new InvalidParameterError('description', `description must be a string or null, got ${describe(value)}`)
  if ([...value].length > MAX_DESCRIPTION) throw new InvalidParameterError('description', `description must be at most ${MAX_DESCRIPTION} characters`)
  return value
}
