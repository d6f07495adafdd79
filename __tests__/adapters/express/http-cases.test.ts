/**
 * The Express adapter on Express 5 (the `express` dev dependency): the whole suite of
 * express-suite.ts, and the type-level check that tokenAuth's augmentation types `req.actor`.
 */
import express from 'express'
import type { Request } from 'express'
import type { Actor } from 'tokengate'
import { describeExpressSuite } from './express-suite.js'
import type { Equal, Expect } from '../../helpers/type-assert.js'

// Compile-time: tokenAuth's augmentation types req.actor for every Express app.
export type ReqActorIsTyped = Expect<Equal<Request['actor'], Actor | null | undefined>>

test('the suite runs on Express 5', () => {
  expect((require('express/package.json') as { version: string }).version).toMatch(/^5\./)
})

describeExpressSuite('Express 5', express)
