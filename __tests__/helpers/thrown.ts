import { ConfigError } from 'tokengate'

/**
 * The one way tests capture an error: `thrown(() => fn())` returns what `fn` threw and fails the
 * test when it threw nothing, so an assertion on the error can never pass vacuously.
 */
export function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected an error, but nothing was thrown')
}

/** Run `fn`, expect a ConfigError (`ERR_CONFIG_INVALID`), and return it for more assertions. */
export function configError(fn: () => unknown): ConfigError {
  const caught = thrown(fn)
  expect(caught).toBeInstanceOf(ConfigError)
  const error = caught as ConfigError
  expect(error.code).toBe('ERR_CONFIG_INVALID')
  return error
}
