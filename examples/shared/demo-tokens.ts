/**
 * What the Express, Koa and Fastify demos share about managed tokens: the store they keep them in
 * (one SQLite file for all three), the root token each prints, and the one-time login link line.
 *
 * @module
 */
import { type Gate, type LoginLink, type TokenStore, openTokenStore } from 'tokengate'

/** Where the demos keep their managed tokens when `TOKENGATE_STORE` is unset (git-ignored `data/`). */
export const DEFAULT_STORE = 'sqlite:data/tokens.db'

/**
 * Open the demos' token store: `TOKENGATE_STORE`, else {@link DEFAULT_STORE}. When it cannot be
 * opened, print why and end the process with exit code 1.
 */
export async function openDemoStore(): Promise<{ store: TokenStore; url: string }> {
  const url = process.env['TOKENGATE_STORE'] || DEFAULT_STORE
  try {
    return { store: await openTokenStore(url), url }
  } catch (error) {
    console.error((error as Error).message)
    process.exit(1)
  }
}

/** A managed root token for the next hour, its record naming the demo that made it. */
export async function demoRootToken(gate: Gate, demo: string): Promise<string> {
  const { token } = await gate.tokens!.create({
    actorId: 'root',
    name: `${demo} ${new Date().toISOString()} (pid ${process.pid})`,
    description: `Printed by ${demo}`,
    expiresAfter: 3600,
    createdBy: demo,
  })
  return token
}

/** The line that prints a fresh one-time login link to the token page. */
export function loginLine(base: string, loginLink: LoginLink): string {
  return `Manage tokens in a browser, signed in as root (a one-time link, valid 5 minutes): ${base}${loginLink.issue()}`
}
