/**
 * The in-memory token store: for tests and trying things out. Everything is lost when the
 * process ends, and it is not shared between processes. It passes the same contract suite as the
 * SQLite and PostgreSQL stores, and answers lookups synchronously.
 *
 * @module
 */
import { deepFreeze } from '../internal/deep-freeze.js'
import {
  type AuditEntry,
  type StoredAuditEntry,
  type StoredToken,
  type StoredUsageEntry,
  type TokenPatch,
  type TokenStore,
  type TokenStoreListener,
  type TokenStoreQuery,
  emit,
  statusOf,
} from './token-store.js'

/** Whether `a` comes after `b` in list order: `(createdAt, id)` descending. */
function after(a: Pick<StoredToken, 'createdAt' | 'id'>, b: { readonly createdAt: number; readonly id: string }): boolean {
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id)
}

/**
 * A new, empty in-memory token store.
 *
 * @example
 * ```ts
 * const gate = createGate(config, { tokenStore: createMemoryTokenStore() })
 * const { token } = await gate.tokens!.create({ actorId: 'alice', name: 'ci' })
 * ```
 */
export function createMemoryTokenStore(): TokenStore {
  const byId = new Map<string, StoredToken>()
  const idByHash = new Map<string, string>()
  const log: StoredAuditEntry[] = []
  /** Token id → its usage entries, oldest first. */
  const usage = new Map<string, StoredUsageEntry[]>()
  let usageSeq = 0
  const listeners = new Set<TokenStoreListener>()
  let closed = false

  const live = (): void => {
    if (closed) throw new Error('The memory token store is closed')
  }
  const nameTaken = (actorId: string, name: string, except: string | null): boolean => {
    for (const token of byId.values()) {
      if (token.actorId === actorId && token.name === name && token.revokedAt === null && token.id !== except) return true
    }
    return false
  }
  const append = (entry: AuditEntry): void => {
    log.push(deepFreeze({ ...structuredClone(entry), seq: log.length + 1 }))
  }
  const put = (token: StoredToken): StoredToken => {
    const frozen = deepFreeze(structuredClone(token))
    byId.set(frozen.id, frozen)
    idByHash.set(frozen.hash, frozen.id)
    return frozen
  }
  const changed = (tokenId: string): void => emit(listeners, { type: 'changed', tokenId })

  return {
    description: 'memory:',
    findByHash(hash) {
      live()
      const id = idByHash.get(hash)
      return id === undefined ? null : (byId.get(id) ?? null)
    },
    async get(id) {
      live()
      return byId.get(id) ?? null
    },
    async list(query: TokenStoreQuery) {
      live()
      const rows = [...byId.values()]
        .filter((t) => query.actorId === undefined || t.actorId === query.actorId)
        .filter((t) => query.status === undefined || statusOf(t, query.now) === query.status)
        .filter((t) => query.after === undefined || after(t, query.after))
        .sort((a, b) => (after(a, b) ? 1 : after(b, a) ? -1 : 0))
      return rows.slice(0, query.limit)
    },
    async insert(token, audit) {
      live()
      if (nameTaken(token.actorId, token.name, null)) return { ok: false, problem: 'name_taken' }
      if (byId.has(token.id) || idByHash.has(token.hash)) throw new Error('The memory token store already has this id or hash')
      const stored = put(token)
      append(audit)
      changed(stored.id)
      return { ok: true, token: stored }
    },
    async update(id, patch: TokenPatch, audit) {
      live()
      const current = byId.get(id)
      if (current === undefined) return { ok: false, problem: 'not_found' }
      if (current.revokedAt !== null) return { ok: false, problem: 'revoked' }
      if (patch.name !== undefined && nameTaken(current.actorId, patch.name, id)) return { ok: false, problem: 'name_taken' }
      const stored = put({ ...current, ...patch })
      append(audit)
      changed(id)
      return { ok: true, token: stored }
    },
    async revoke(id, audit) {
      live()
      const current = byId.get(id)
      if (current === undefined) return { ok: false, problem: 'not_found' }
      if (current.revokedAt !== null) return { ok: true, token: current, changed: false }
      const stored = put({ ...current, revokedAt: audit.at, revokedBy: audit.by })
      append(audit)
      changed(id)
      return { ok: true, token: stored, changed: true }
    },
    async rotate(id, secret, audit) {
      live()
      const current = byId.get(id)
      if (current === undefined) return { ok: false, problem: 'not_found' }
      if (current.revokedAt !== null) return { ok: false, problem: 'revoked' }
      idByHash.delete(current.hash)
      const stored = put({ ...current, hash: secret.hash, start: secret.start })
      append(audit)
      changed(id)
      return { ok: true, token: stored }
    },
    async touch(uses) {
      live()
      for (const [id, at] of uses) {
        const current = byId.get(id)
        if (current !== undefined && (current.lastUsedAt === null || current.lastUsedAt < at)) put({ ...current, lastUsedAt: at })
      }
    },
    async audit(tokenId) {
      live()
      return log.filter((entry) => entry.tokenId === tokenId)
    },
    async appendUsage(entries, keep) {
      live()
      const touched = new Set<string>()
      for (const entry of entries) {
        let list = usage.get(entry.tokenId)
        if (list === undefined) usage.set(entry.tokenId, (list = []))
        list.push(Object.freeze({ ...entry, seq: ++usageSeq }))
        touched.add(entry.tokenId)
      }
      for (const tokenId of touched) {
        const list = usage.get(tokenId) ?? []
        if (list.length > keep) list.splice(0, list.length - keep)
      }
    },
    async usage(tokenId, query) {
      live()
      const list = usage.get(tokenId) ?? []
      const out: StoredUsageEntry[] = []
      for (let i = list.length - 1; i >= 0 && out.length < query.limit; i--) {
        const entry = list[i] as StoredUsageEntry
        if (query.before === undefined || entry.seq < query.before) out.push(entry)
      }
      return out
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    async close() {
      closed = true
      listeners.clear()
    },
  }
}
