/**
 * Strict options (lib/internal/options.ts): every factory refuses an option name it does not
 * know, at once, naming it and the closest known one, so a typo can never silently leave a
 * default (often the less safe one) in place. Each row pairs the typo with its corrected twin.
 */
import express from 'express'
import {
  createActorCookie,
  createGate,
  createJwt,
  createLoginLink,
  createMemoryTokenStore,
  createSignedToken,
  jwtTokenSource,
  loadConfig,
  permissionsDebug,
  readToken,
  requirePermission,
  resolveSecrets,
  signedTokenSource,
  readActorCookie,
  staticTokenSource,
  tokenAdmin,
  tokenAuth,
  verifySignedToken,
} from 'tokengate'
import * as koa from 'tokengate/koa'
import { thrown } from '../helpers/thrown.js'

const SECRET = 'options-secret'

/** [factory, call with the typo, call with the right name, the message]. */
const CASES: [string, () => unknown, () => unknown, string][] = [
  ['createGate', () => createGate({}, { rootEnable: true } as never), () => createGate({}, { rootEnabled: true }), '"rootEnable" is not an option of createGate; did you mean "rootEnabled"?'],
  ['tokenAuth (Express)', () => tokenAuth({}, { relam: 'x' } as never), () => tokenAuth({}, { realm: 'x' }), '"relam" is not an option of tokenAuth; did you mean "realm"?'],
  ['tokenAuth (Express), an express-jwt habit', () => tokenAuth({}, { credentialsRequired: false } as never), () => tokenAuth({}, {}), '"credentialsRequired" is not an option of tokenAuth; its options are "rootEnabled", "now", "env", "actions", "secret", "realm", "unknownTokens", "queryParam", "schemes", "jwt", "tokenSources", "tokenCacheSize", "tokenStore", "tokenPrefix", "tokenCacheTtl", "resolveActor", "tokenCacheBytes", "signedTokensClockSkew", "onEvent", "logger", "rateLimit", "rateLimitStore", "rateLimitPrefix", "usageLogSize", "onError", "actorCookie"'],
  ['tokenAuth (Koa)', () => koa.tokenAuth({}, { onErorr: 'next' } as never), () => koa.tokenAuth({}, { onError: 'next' }), '"onErorr" is not an option of tokenAuth; did you mean "onError"?'],
  ['requirePermission (Express)', () => requirePermission('view-table', 'db', 't', { onerror: 'next' } as never), () => requirePermission('view-table', 'db', 't', { onError: 'next' }), '"onerror" is not an option of requirePermission; did you mean "onError"?'],
  ['requirePermission (Koa)', () => koa.requirePermission('view-table', 'db', 't', { on_error: 'next' } as never), () => koa.requirePermission('view-table', 'db', 't', { onError: 'next' }), '"on_error" is not an option of requirePermission; did you mean "onError"?'],
  ['permissionsDebug (Express)', () => permissionsDebug({ onErrors: 'next' } as never), () => permissionsDebug({ onError: 'next' }), '"onErrors" is not an option of permissionsDebug; did you mean "onError"?'],
  ['permissionsDebug (Koa)', () => koa.permissionsDebug({ onErrors: 'next' } as never), () => koa.permissionsDebug({ onError: 'next' }), '"onErrors" is not an option of permissionsDebug; did you mean "onError"?'],
  ['loadConfig', () => loadConfig({}, { basedir: '/' } as never), () => loadConfig({}, { baseDir: '/' }), '"basedir" is not an option of loadConfig; did you mean "baseDir"?'],
  ['resolveSecrets', () => resolveSecrets({}, { environment: {} } as never), () => resolveSecrets({}, { env: {} }), '"environment" is not an option of resolveSecrets; its options are "env", "baseDir", "path"'],
  ['readToken', () => readToken({}, { scheme: ['Bearer'] } as never), () => readToken({}, { schemes: ['Bearer'] }), '"scheme" is not an option of readToken; did you mean "schemes"?'],
  ['staticTokenSource', () => staticTokenSource([], { nmae: 'x' } as never), () => staticTokenSource([], { name: 'x' }), '"nmae" is not an option of staticTokenSource; did you mean "name"?'],
  ['signedTokenSource', () => signedTokenSource({ secrets: [SECRET], maxTTL: 5 } as never), () => signedTokenSource({ secrets: [SECRET], maxTtl: 5 }), '"maxTTL" is not an option of signedTokenSource; did you mean "maxTtl"?'],
  ['verifySignedToken', () => verifySignedToken('x', { secret: SECRET, now: 1 } as never), () => verifySignedToken('x', { secrets: SECRET, now: 1 }), '"secret" is not an option of verifySignedToken; did you mean "secrets"?'],
  ['createSignedToken', () => createSignedToken({ actorId: 'a', secret: SECRET, expiresIn: 60 } as never), () => createSignedToken({ actorId: 'a', secret: SECRET, expiresAfter: 60 }), '"expiresIn" is not an option of createSignedToken; its options are "actorId", "secret", "expiresAfter", "restrictions", "now", "registry"'],
  ['jwtTokenSource', () => jwtTokenSource({ algorithms: ['HS256'], secret: SECRET, audiance: 'x' } as never), () => jwtTokenSource({ algorithms: ['HS256'], secret: SECRET, audience: 'x' }), '"audiance" is not an option of jwtTokenSource; did you mean "audience"?'],
  ['createJwt', () => createJwt({ actorId: 'a', secret: SECRET, alg: 'HS256' } as never), () => createJwt({ actorId: 'a', secret: SECRET, algorithm: 'HS256' }), '"alg" is not an option of createJwt; its options are "actorId", "secret", "privateKey", "algorithm", "expiresAfter", "restrictions", "issuer", "audience", "now"'],
  ['tokenAdmin (Express)', () => tokenAdmin(storeGate(), { pagepath: '/t' } as never), () => tokenAdmin(storeGate(), { pagePath: '/t' }), '"pagepath" is not an option of tokenAdmin; did you mean "pagePath"?'],
  ['tokenAdmin (Koa)', () => koa.tokenAdmin(storeGate(), { allowTokenCaller: true } as never), () => koa.tokenAdmin(storeGate(), { allowTokenCallers: true }), '"allowTokenCaller" is not an option of tokenAdmin; did you mean "allowTokenCallers"?'],
  ['createLoginLink', () => createLoginLink(storeGate(), { ttl: 60 } as never), () => createLoginLink(storeGate(), { validFor: 60 }), '"ttl" is not an option of createLoginLink; its options are "actor", "path", "validFor", "sessionLength", "now"'],
  ['createActorCookie', () => createActorCookie({ actor: {}, secret: SECRET, expiresIn: 60 } as never), () => createActorCookie({ actor: {}, secret: SECRET, expiresAfter: 60 }), '"expiresIn" is not an option of createActorCookie; its options are "actor", "secret", "expiresAfter", "now"'],
  ['readActorCookie', () => readActorCookie('x', { secret: SECRET } as never), () => readActorCookie('x', { secrets: SECRET }), '"secret" is not an option of readActorCookie; did you mean "secrets"?'],
]

/** A gate with a secret and a token store, which tokenAdmin and createLoginLink need. */
function storeGate() {
  return createGate({ secret: SECRET }, { tokenStore: createMemoryTokenStore() })
}

describe('every factory refuses an option it does not know', () => {
  test.each(CASES)('%s', (_name, typo, corrected, message) => {
    const error = thrown(typo)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe(message)
    expect(corrected).not.toThrow()
  })

  test('options must be an object', () => {
    expect(() => createGate({}, 'strict' as never)).toThrow(new TypeError('The options of createGate must be an object'))
    expect(() => tokenAuth({}, [] as never)).toThrow(new TypeError('The options of tokenAuth must be an object'))
  })

  test('a gate passed to tokenAuth is checked too', () => {
    const gate = createGate({})
    expect(() => tokenAuth(gate, { onErorr: 'next' } as never)).toThrow('"onErorr" is not an option of tokenAuth; did you mean "onError"?')
    expect(() => express().use(tokenAuth(gate, { onError: 'next' }))).not.toThrow()
  })
})
