/**
 * The token page (SPEC section 10, "The page"), rendered on the server: the caller's tokens
 * (everyone's with `auth-tokens-view-all`) and a form to create one; with `?usage=<id>`, one
 * token's usage log and rate limit (SPEC section 11). One small script of its own
 * (`page-assets.ts`, served below the page's path) sends the form to the JSON API, shows a new
 * token once with a copy button, and asks before revoking or rotating. No framework, no build
 * step, no external asset; `Content-Security-Policy: default-src 'self'`, so no inline script
 * or style can run even if something slipped through.
 *
 * Every string that comes from a user (token names, descriptions, owners, database names) goes
 * through {@link escapeHtml}; nothing is ever put in a script.
 *
 * @module
 * @internal
 */
import type { Gate } from '../gate.js'
import type { RateLimit } from '../limits/rate-limit.js'
import { parsePermissions } from '../permissions/permission-strings.js'
import type { TokenRecord, TokenUsageEntry } from '../tokens/token-manager.js'
import type { Actor, Restrictions } from '../types.js'
import { idOf, labelOf } from './escalation.js'
import type { AdminResponse } from './types.js'

/** Text or an attribute value made safe for HTML: `& < > " '` as entities. @internal */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** The page's security headers: no inline anything, no framing, never cached. @internal */
export const PAGE_HEADERS: { readonly [name: string]: string } = Object.freeze({
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
})

/** The lifetimes offered, in seconds; `never` is offered unless the admin has a maximum. */
const PRESETS: readonly (readonly [string, number])[] = [
  ['1 hour', 3600],
  ['1 day', 86400],
  ['7 days', 7 * 86400],
  ['30 days', 30 * 86400],
  ['90 days', 90 * 86400],
]

/** `2025-01-01 12:00 UTC` in a `<time>` element, or a dash. */
function time(seconds: number | null): string {
  if (seconds === null) return '<span class="none">—</span>'
  const iso = new Date(seconds * 1000).toISOString()
  return `<time datetime="${iso.replace(/\.\d{3}Z$/, 'Z')}">${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC</time>`
}

const READ = parsePermissions('db:x:read').d?.['x'] ?? []
const WRITE = parsePermissions('db:x:write').d?.['x'] ?? []

/** A list of actions in words: `read` and `write` for InfluxDB's sets, the rest as given. */
function actionWords(actions: readonly string[], gate: Gate): string {
  const abbrs = new Set(actions.map((a) => gate.actions.get(a)?.abbr ?? a))
  const words: string[] = []
  for (const [word, set] of [['read', READ], ['write', WRITE]] as const) {
    if (set.every((a) => abbrs.has(a))) {
      words.push(word)
      for (const a of set) abbrs.delete(a)
    }
  }
  return [...words, ...abbrs].join(', ')
}

/** What a token may do, in a few words: `everything alice may do`, or each place with its actions. @internal */
export function describeScope(restrictions: Restrictions | null, owner: string, gate: Gate): string {
  if (restrictions === null) return `everything ${owner} may do`
  const parts: string[] = []
  if (restrictions.a !== undefined && restrictions.a.length > 0) parts.push(`everywhere: ${actionWords(restrictions.a, gate)}`)
  for (const [db, actions] of Object.entries(restrictions.d ?? {})) parts.push(`${db}: ${actionWords(actions, gate)}`)
  for (const [db, children] of Object.entries(restrictions.r ?? {})) {
    for (const [child, actions] of Object.entries(children)) parts.push(`${db}/${child}: ${actionWords(actions, gate)}`)
  }
  return parts.length === 0 ? 'nothing' : parts.join('; ')
}

/** The windows the page offers for a rate limit, in seconds. */
const WINDOWS: readonly (readonly [string, number])[] = [
  ['second', 1],
  ['minute', 60],
  ['hour', 3600],
  ['day', 86400],
]

/** A rate limit in words: `10 requests per minute`, `5 requests per 90 seconds`. @internal */
export function limitWords(limit: RateLimit): string {
  const unit = WINDOWS.find(([, seconds]) => seconds === limit.duration)?.[0] ?? `${limit.duration} seconds`
  return `${limit.points} ${limit.points === 1 ? 'request' : 'requests'} per ${unit}`
}

/** The window choices of a rate-limit form, `selected` chosen (a window not offered is added). */
function windowOptions(selected: number): string {
  const windows = WINDOWS.some(([, seconds]) => seconds === selected) ? WINDOWS : [...WINDOWS, [`${selected} seconds`, selected] as const]
  return windows.map(([label, seconds]) => `<option value="${seconds}"${seconds === selected ? ' selected' : ''}>${escapeHtml(label)}</option>`).join('')
}

/** One token's usage log and rate limit, shown above the list (`?usage=<id>`). @internal */
export interface TokenDetail {
  readonly record: TokenRecord
  /** A page of its usage log, newest first, and the cursor of the next one. */
  readonly entries: readonly TokenUsageEntry[]
  readonly next: string | null
  /** Whether the caller may change the token (its owner, or `auth-tokens-edit-all`). */
  readonly mayEdit: boolean
}

/** What the page shows a caller. @internal */
export interface PageModel {
  readonly gate: Gate
  readonly caller: Actor
  readonly tokens: readonly TokenRecord[]
  /** The `next` cursor of the list, or `null`. */
  readonly next: string | null
  /** The API's and the page's paths, mount point included. */
  readonly apiPath: string
  readonly pagePath: string
  readonly maxExpiresAfter: number | null
  /** The token whose usage is shown, when the page was asked for one. */
  readonly detail?: TokenDetail | undefined
}

function rowOf(record: TokenRecord, model: PageModel, may: { edit: boolean; revoke: boolean }): string {
  const own = idOf(model.caller) === record.actorId
  const name = escapeHtml(record.name)
  const buttons: string[] = []
  if (record.status !== 'revoked') {
    if (own || may.edit) {
      buttons.push(`<button type="button" data-action="rotate">Rotate<span class="visually-hidden"> ${name}</span></button>`)
    }
    if (own || may.revoke) {
      buttons.push(`<button type="button" data-action="revoke" class="danger">Revoke<span class="visually-hidden"> ${name}</span></button>`)
    }
  }
  const description = record.description === null ? '' : `<div class="description">${escapeHtml(record.description)}</div>`
  return `<tr data-id="${escapeHtml(record.id)}" data-name="${name}" data-status="${record.status}">
<th scope="row"><span class="name">${name}</span>${description}</th>
<td><code>${escapeHtml(record.start)}…</code></td>
<td>${escapeHtml(record.actorId)}</td>
<td>${time(record.createdAt)}</td>
<td>${time(record.lastUsedAt)}</td>
<td>${record.expiresAt === null ? 'never' : time(record.expiresAt)}</td>
<td>${record.rateLimit === null ? '<span class="none">—</span>' : escapeHtml(limitWords(record.rateLimit))}</td>
<td><span class="status status-${record.status}">${record.status}</span></td>
<td>${escapeHtml(describeScope(record.restrictions, record.actorId, model.gate))}</td>
<td class="actions"><a href="${escapeHtml(model.pagePath)}?usage=${encodeURIComponent(record.id)}#usage-heading">Usage<span class="visually-hidden"> of ${name}</span></a> ${buttons.join(' ')}</td>
</tr>`
}

/** A database name a permission string can carry (no `,` or `:`, no surrounding spaces). */
const expressible = (db: string): boolean => !/[,:]/.test(db) && db.trim() === db && db !== ''

function createForm(model: PageModel, editAll: boolean): string {
  const owner = escapeHtml(idOf(model.caller) ?? '')
  const presets = PRESETS.filter(([, seconds]) => model.maxExpiresAfter === null || seconds <= model.maxExpiresAfter)
  const options = [
    ...presets.map(([label, seconds]) => `<option value="${seconds}"${seconds === 30 * 86400 ? ' selected' : ''}>${label}</option>`),
    ...(model.maxExpiresAfter === null ? ['<option value="">never</option>'] : []),
  ]
  const databases = Object.keys(model.gate.config.databases ?? {})
  const rows = databases.map((db, index) => {
    const label = escapeHtml(db)
    if (!expressible(db)) {
      return `<tr><th scope="row">${label}</th><td colspan="3">name not usable in a permission string: use the advanced choice</td></tr>`
    }
    const choices = ['none', 'read', 'write']
      .map(
        (level) =>
          `<td><input type="radio" name="db-${index}" id="db-${index}-${level}" value="${level}" data-database="${label}"${level === 'none' ? ' checked' : ''}><label for="db-${index}-${level}">${level === 'none' ? 'None' : level === 'read' ? 'Read' : 'Write'}<span class="visually-hidden"> on ${label}</span></label></td>`,
      )
      .join('')
    return `<tr><th scope="row">${label}</th>${choices}</tr>`
  })
  const table =
    databases.length === 0
      ? '<p class="hint">No databases are configured.</p>'
      : `<table class="databases" id="db-table"><caption class="visually-hidden">Access per database</caption><thead><tr><th scope="col">Database</th><th scope="col">None</th><th scope="col">Read</th><th scope="col">Write</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<p class="hint" id="db-help">Read lets the token view, query and download; Write adds inserting, updating and deleting rows.</p>`
  const ownerField = editAll
    ? `<p><label for="t-owner">Owner (actor id)</label> <input id="t-owner" name="actor_id" value="${owner}" autocomplete="off" spellcheck="false"></p>`
    : ''
  return `<section aria-labelledby="create-heading" class="card">
<h2 id="create-heading">Create a token</h2>
<form id="create-form" novalidate>
<p><label for="t-name">Name</label> <input id="t-name" name="name" required maxlength="200" autocomplete="off"></p>
<p><label for="t-description">Description <span class="hint">(optional)</span></label> <input id="t-description" name="description" maxlength="2000" autocomplete="off"></p>
${ownerField}
<p><label for="t-expiry">Expires after</label> <select id="t-expiry" name="expires_after">${options.join('')}</select></p>
<fieldset class="limit">
<legend>Rate limit <span class="hint">(optional)</span></legend>
<p><label for="t-rate-points">At most</label> <input id="t-rate-points" name="rate_points" type="number" min="1" step="1" inputmode="numeric" class="short" aria-describedby="rate-help"> <label for="t-rate-window">requests per</label> <select id="t-rate-window" name="rate_window" class="short">${windowOptions(60)}</select></p>
<p class="hint" id="rate-help">Leave it empty for no limit of its own (the server's default limit, if any, applies). Over its limit, a request is answered 429.</p>
</fieldset>
<fieldset class="scope">
<legend>What the token may do</legend>
<p><input type="radio" name="scope" id="scope-all" value="all" checked> <label for="scope-all">Everything <span id="owner-name">${owner}</span> may do</label></p>
<p><input type="radio" name="scope" id="scope-databases" value="databases"> <label for="scope-databases">Read, Write or None per database</label></p>
<div id="scope-databases-panel">${table}</div>
<p><input type="radio" name="scope" id="scope-advanced" value="advanced"> <label for="scope-advanced">Advanced</label></p>
<div id="scope-advanced-panel">
<p><label for="t-advanced">Permission strings, one per line, or an <code>_r</code> object as JSON</label>
<textarea id="t-advanced" name="advanced" rows="3" spellcheck="false" aria-describedby="advanced-help"></textarea></p>
<p class="hint" id="advanced-help">For example <code>db:docs:read,write</code>, <code>table:docs/documents:write</code>, <code>system:health:read</code>, or <code>{"d": {"docs": ["vt", "ir"]}}</code>.</p>
</div>
</fieldset>
<p><button type="submit" id="create-button">Create token</button></p>
<p id="create-error" class="error" role="alert" hidden></p>
</form>
</section>`
}

/** A usage entry's place: `docs/documents`, `docs`, or a dash. */
function placeOf(entry: TokenUsageEntry): string {
  if (entry.database === null) return '—'
  return entry.resource === null ? entry.database : `${entry.database}/${entry.resource}`
}

/** The section of one token: its rate limit (a form when the caller may change it) and its usage log. */
function detailSection(detail: TokenDetail, model: PageModel): string {
  const { record, entries } = detail
  const name = escapeHtml(record.name)
  const current = record.rateLimit === null ? 'No limit of its own (the server’s default limit, if any, applies).' : `${limitWords(record.rateLimit)}.`
  const editable = detail.mayEdit && record.status !== 'revoked'
  const limitForm = editable
    ? `<form id="limit-form" data-id="${escapeHtml(record.id)}" novalidate>
<p><label for="l-points">At most</label> <input id="l-points" type="number" min="1" step="1" inputmode="numeric" class="short" value="${record.rateLimit === null ? '' : record.rateLimit.points}"> <label for="l-window">requests per</label> <select id="l-window" class="short">${windowOptions(record.rateLimit?.duration ?? 60)}</select>
<button type="submit" id="limit-save">Save limit</button> <button type="button" id="limit-remove" class="secondary"${record.rateLimit === null ? ' hidden' : ''}>Remove limit</button></p>
<p id="limit-status" role="status"></p>
</form>`
    : ''
  const rows = entries.map(
    (entry) => `<tr><td>${time(entry.at)}</td><td>${escapeHtml(entry.method)}</td><td><code>${escapeHtml(entry.path)}</code></td><td>${entry.action === null ? '<span class="none">—</span>' : escapeHtml(entry.action)}</td><td>${escapeHtml(placeOf(entry))}</td><td><span class="outcome outcome-${entry.outcome}">${entry.outcome}</span></td><td>${entry.status}</td></tr>`,
  )
  const older =
    detail.next === null
      ? ''
      : `<p><a href="${escapeHtml(model.pagePath)}?usage=${encodeURIComponent(record.id)}&amp;usage_cursor=${encodeURIComponent(detail.next)}#usage-heading">Older requests</a></p>`
  return `<section id="usage" class="card" aria-labelledby="usage-heading">
<h2 id="usage-heading">Usage of <span class="name">${name}</span></h2>
<p><a href="${escapeHtml(model.pagePath)}">Back to all tokens</a></p>
<h3>Rate limit</h3>
<p id="limit-current">${escapeHtml(current)}</p>
${limitForm}
<h3>Requests made with it</h3>
<table class="usage" id="usage-log">
<caption class="visually-hidden">Requests made with ${name}, newest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Method</th><th scope="col">Path</th><th scope="col">Action</th><th scope="col">Place</th><th scope="col">Outcome</th><th scope="col">Status</th></tr></thead>
<tbody>${rows.length === 0 ? '<tr><td colspan="7" class="none">No requests yet.</td></tr>' : rows.join('\n')}</tbody>
</table>
${older}
</section>`
}

/** The page for a signed-in caller. @internal */
export function renderPage(model: PageModel): AdminResponse {
  const { gate, caller } = model
  const may = {
    create: gate.allowed(caller, 'auth-tokens-create'),
    viewAll: gate.allowed(caller, 'auth-tokens-view-all'),
    edit: gate.allowed(caller, 'auth-tokens-edit-all'),
    revoke: gate.allowed(caller, 'auth-tokens-revoke-all'),
  }
  const rows = model.tokens.map((record) => rowOf(record, model, may))
  const next =
    model.next === null ? '' : `<p><a href="${escapeHtml(model.pagePath)}?cursor=${encodeURIComponent(model.next)}">Next page</a></p>`
  const create = may.create
    ? createForm(model, may.edit)
    : '<section class="card"><h2>Create a token</h2><p>You may not create tokens here (it needs the <code>auth-tokens-create</code> permission).</p></section>'
  const body = `<header><h1>API tokens</h1><p>Signed in as <strong>${escapeHtml(labelOf(caller))}</strong>. ${
    may.viewAll ? 'You see everyone’s tokens.' : 'You see your own tokens.'
  }</p></header>
<main>
${model.detail === undefined ? '' : detailSection(model.detail, model)}
${create}
<section id="new-token" class="card new-token" hidden aria-labelledby="new-token-heading">
<h2 id="new-token-heading" tabindex="-1">Your new token</h2>
<p>Copy it now: it is shown only this once, and only its hash is kept.</p>
<p><label for="new-token-value">Token for <span id="new-token-name"></span></label> <input id="new-token-value" readonly spellcheck="false"> <button type="button" id="copy-button">Copy</button> <span id="copy-status" role="status"></span></p>
</section>
<section aria-labelledby="list-heading">
<h2 id="list-heading">Tokens</h2>
<p id="list-status" class="error" role="alert" hidden></p>
<table class="tokens" id="tokens">
<thead><tr><th scope="col">Name</th><th scope="col">Start</th><th scope="col">Owner</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col">Rate limit</th><th scope="col">Status</th><th scope="col">May do</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody id="token-rows">${rows.length === 0 ? '<tr><td colspan="10" class="none">No tokens yet.</td></tr>' : rows.join('\n')}</tbody>
</table>
${next}
</section>
<dialog id="confirm" aria-labelledby="confirm-text">
<form method="dialog">
<p id="confirm-text"></p>
<p class="buttons"><button value="cancel" id="confirm-cancel" autofocus>Cancel</button> <button value="ok" id="confirm-ok" class="danger">OK</button></p>
</form>
</dialog>
</main>`
  return page(200, 'API tokens', body, model.apiPath, model.pagePath)
}

/** A whole HTML document with the page's stylesheet and script. @internal */
export function page(status: number, title: string, body: string, apiPath: string, pagePath: string, headers: { readonly [name: string]: string } = {}): AdminResponse {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${escapeHtml(pagePath)}/page.css">
<script src="${escapeHtml(pagePath)}/page.js" defer></script>
</head>
<body data-api="${escapeHtml(apiPath)}">
${body}
</body>
</html>
`
  return { status, headers: { ...PAGE_HEADERS, ...headers }, body: html }
}

/** A page that says why the caller cannot see the token page (401, 403, 503, …). @internal */
export function errorPage(status: number, heading: string, message: string, apiPath: string, pagePath: string, headers: { readonly [name: string]: string } = {}): AdminResponse {
  return page(status, heading, `<main class="message"><h1>${escapeHtml(heading)}</h1>${message}</main>`, apiPath, pagePath, headers)
}
