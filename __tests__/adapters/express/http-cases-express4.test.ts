/**
 * The Express adapter on Express 4 (the `express4` dev dependency, an npm alias of express@4,
 * since the peer range is `^4.21 || ^5`): the whole suite of express-suite.ts, as on Express 5.
 *
 * Express 4 differs where the adapter touches it: `req.query` is parsed eagerly by `qs` (the
 * "extended" parser), route paths use path-to-regexp 0.1, and its final handler is another
 * module; every case must answer alike all the same. That an Express 4 app type-checks against
 * `@types/express` 4 is proven by the express4 consumer project (package/consumers.test.ts).
 */
import express4 from 'express4'
import { type ExpressFactory, describeExpressSuite } from './express-suite.js'

test('the suite runs on Express 4', () => {
  expect((require('express4/package.json') as { version: string }).version).toMatch(/^4\.(2[1-9]|[3-9][0-9])\./)
})

// The two majors' type packages describe the same functions differently (overloads, generics);
// what matters at run time is the function, and the types are proven apart.
describeExpressSuite('Express 4', express4 as unknown as ExpressFactory)
