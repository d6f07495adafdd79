/**
 * Compile-time assertions for the type tests: `Expect<Equal<A, B>>` fails `tsc` (which `npm test`
 * runs first) unless `A` and `B` are the same type.
 */

/** Compiles only when `T` is `true`. */
export type Expect<T extends true> = T

/** `true` when `A` and `B` are exactly the same type, else `false`. */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
