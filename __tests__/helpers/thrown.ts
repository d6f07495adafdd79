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
