/**
 * The token page's own script and stylesheet, served below the page's path (`page.js`,
 * `page.css`). Plain browser JavaScript, written here as it is sent: no framework, no build
 * step. The script never builds HTML from strings: it sets `textContent` and properties, and
 * re-reads the server-rendered (escaped) token list after each change.
 *
 * @module
 * @internal
 */

/** The page's script. @internal */
export const PAGE_SCRIPT = String.raw`'use strict'
;(function () {
  var api = document.body.getAttribute('data-api')
  var $ = function (id) { return document.getElementById(id) }

  function call(method, path, payload) {
    var init = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' } }
    if (payload !== undefined) {
      init.headers['Content-Type'] = 'application/json'
      init.body = JSON.stringify(payload)
    }
    return fetch(api + path, init).then(function (res) {
      return res.text().then(function (text) {
        var data = null
        try { data = text === '' ? null : JSON.parse(text) } catch (e) { data = null }
        if (!res.ok) throw new Error(data && typeof data.error === 'string' ? data.error : res.status + ' ' + res.statusText)
        return data
      })
    })
  }

  function show(element, message) {
    element.textContent = message
    element.hidden = message === ''
  }

  // Re-read the list the server renders (escaped there), and put it in place of ours.
  function refresh() {
    return fetch(location.href, { credentials: 'same-origin' }).then(function (res) { return res.text() }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('token-rows')
      if (fresh) $('token-rows').replaceWith(document.adoptNode(fresh))
    })
  }

  function showToken(name, token) {
    var section = $('new-token')
    $('new-token-name').textContent = name
    $('new-token-value').value = token
    show($('copy-status'), '')
    section.hidden = false
    $('new-token-heading').focus()
  }

  // A rate limit from its two fields: null when the number is empty.
  function rateLimitOf(points, windowSelect) {
    var text = points.value.trim()
    if (text === '') return null
    if (!/^[1-9][0-9]{0,9}$/.test(text)) throw new Error('The rate limit must be a whole number of requests, 1 or more')
    return { points: Number(text), duration: Number(windowSelect.value) }
  }

  function limitWords(limit) {
    var units = { 1: 'second', 60: 'minute', 3600: 'hour', 86400: 'day' }
    var unit = units[limit.duration] || limit.duration + ' seconds'
    return limit.points + (limit.points === 1 ? ' request' : ' requests') + ' per ' + unit
  }

  // One token's rate limit, changed from its usage section.
  var limitForm = $('limit-form')
  if (limitForm) {
    var id = limitForm.getAttribute('data-id')
    var saveLimit = function (limit) {
      var status = $('limit-status')
      show(status, '')
      return call('PATCH', '/' + encodeURIComponent(id), { rate_limit: limit }).then(function (record) {
        $('limit-current').textContent = record.rate_limit === null
          ? 'No limit of its own (the server’s default limit, if any, applies).'
          : limitWords(record.rate_limit) + '.'
        show(status, record.rate_limit === null ? 'Limit removed.' : 'Limit saved.')
        var remove = $('limit-remove')
        if (remove) remove.hidden = record.rate_limit === null
        return refresh()
      }).catch(function (e) { show(status, e.message) })
    }
    limitForm.addEventListener('submit', function (event) {
      event.preventDefault()
      var limit
      try { limit = rateLimitOf($('l-points'), $('l-window')) } catch (e) { show($('limit-status'), e.message); return }
      if (limit === null) { show($('limit-status'), 'Give a number of requests, or remove the limit'); $('l-points').focus(); return }
      saveLimit(limit)
    })
    var remove = $('limit-remove')
    if (remove) remove.addEventListener('click', function () { saveLimit(null).then(function () { $('l-points').value = '' }) })
  }

  // The scope picker: only the chosen part is usable.
  var form = $('create-form')
  function syncScope() {
    var chosen = form.querySelector('input[name=scope]:checked').value
    var panels = { databases: $('scope-databases-panel'), advanced: $('scope-advanced-panel') }
    Object.keys(panels).forEach(function (key) {
      var panel = panels[key]
      panel.hidden = chosen !== key
      panel.querySelectorAll('input, textarea').forEach(function (field) { field.disabled = chosen !== key })
    })
  }

  function scopeOf() {
    var chosen = form.querySelector('input[name=scope]:checked').value
    if (chosen === 'all') return {}
    if (chosen === 'databases') {
      var permissions = []
      form.querySelectorAll('#scope-databases-panel input[type=radio]:checked').forEach(function (radio) {
        var db = radio.getAttribute('data-database')
        if (radio.value === 'read') permissions.push('db:' + db + ':read')
        if (radio.value === 'write') permissions.push('db:' + db + ':read,write')
      })
      if (permissions.length === 0) throw new Error('Choose Read or Write for at least one database, or another scope')
      return { permissions: permissions }
    }
    var text = $('t-advanced').value.trim()
    if (text === '') throw new Error('Write permission strings or an _r object, or choose another scope')
    if (text.charAt(0) === '{') {
      var restrictions
      try { restrictions = JSON.parse(text) } catch (e) { throw new Error('The _r object is not valid JSON: ' + e.message) }
      return { restrictions: restrictions }
    }
    return { permissions: text.split('\n').map(function (line) { return line.trim() }).filter(function (line) { return line !== '' }) }
  }

  if (form) {
    form.addEventListener('change', function (event) { if (event.target.name === 'scope') syncScope() })
    var owner = $('t-owner')
    if (owner) owner.addEventListener('input', function () { $('owner-name').textContent = owner.value })
    syncScope()
    form.addEventListener('submit', function (event) {
      event.preventDefault()
      var error = $('create-error')
      show(error, '')
      var name = $('t-name').value
      if (name.trim() === '') {
        show(error, 'Give the token a name')
        $('t-name').focus()
        return
      }
      var payload
      try { payload = scopeOf() } catch (e) { show(error, e.message); return }
      payload.name = name
      var description = $('t-description').value
      if (description !== '') payload.description = description
      var expiry = $('t-expiry').value
      if (expiry !== '') payload.expires_after = Number(expiry)
      var limit
      try { limit = rateLimitOf($('t-rate-points'), $('t-rate-window')) } catch (e) { show(error, e.message); $('t-rate-points').focus(); return }
      if (limit !== null) payload.rate_limit = limit
      if (owner && owner.value !== '') payload.actor_id = owner.value
      var button = $('create-button')
      button.disabled = true
      call('POST', '', payload).then(function (created) {
        form.reset()
        syncScope()
        showToken(created.name, created.token)
        return refresh()
      }).catch(function (e) { show(error, e.message) }).then(function () { button.disabled = false })
    })
  }

  $('copy-button').addEventListener('click', function () {
    var input = $('new-token-value')
    var done = function () { show($('copy-status'), 'Copied') }
    var fallback = function () { input.select(); document.execCommand('copy'); done() }
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(input.value).then(done, fallback)
    else fallback()
  })

  // Revoke and rotate ask first, in a modal dialog (Escape or Cancel says no).
  function confirmAction(text, ok) {
    var dialog = $('confirm')
    $('confirm-text').textContent = text
    $('confirm-ok').textContent = ok
    return new Promise(function (resolve) {
      dialog.addEventListener('close', function () { resolve(dialog.returnValue === 'ok') }, { once: true })
      dialog.returnValue = ''
      dialog.showModal()
    })
  }

  $('tokens').addEventListener('click', function (event) {
    var button = event.target.closest('button[data-action]')
    if (!button) return
    var row = button.closest('tr')
    var id = row.getAttribute('data-id')
    var name = row.getAttribute('data-name')
    var action = button.getAttribute('data-action')
    var status = $('list-status')
    show(status, '')
    var question = action === 'revoke'
      ? 'Revoke the token “' + name + '”? Anything using it stops working at once. This cannot be undone.'
      : 'Rotate the token “' + name + '”? It gets a new secret; the old one stops working at once.'
    confirmAction(question, action === 'revoke' ? 'Revoke' : 'Rotate').then(function (yes) {
      if (!yes) { button.focus(); return }
      return call('POST', '/' + encodeURIComponent(id) + '/' + action).then(function (result) {
        if (action === 'rotate') showToken(result.name, result.token)
        return refresh()
      }).then(function () {
        if (action === 'revoke') show(status, 'Revoked “' + name + '”.')
      })
    }).catch(function (e) { show(status, e.message) })
  })
})()
`

/** The page's stylesheet. @internal */
export const PAGE_STYLE = `:root { color-scheme: light dark; --accent: #2457c5; --danger: #b3261e; --muted: #6b6f76; --line: #d5d8dd; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 72rem; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 0 0 .75rem; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin: 1.25rem 0; }
label { font-weight: 600; }
input:not([type=radio]), select, textarea { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 4px; min-width: 18rem; }
textarea { width: 100%; box-sizing: border-box; font-family: ui-monospace, monospace; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: .5rem 0; }
fieldset label { font-weight: normal; }
button { font: inherit; padding: .35rem .9rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.danger { background: var(--danger); border-color: var(--danger); }
#confirm-cancel, #copy-button, button.secondary { background: transparent; color: inherit; border-color: var(--line); }
input.short, select.short { min-width: 0; width: 7rem; }
select.short { width: auto; }
fieldset.limit p { margin: .4rem 0; }
.usage code { word-break: break-all; }
.outcome { font-size: .85em; }
.outcome-denied, .outcome-limited { color: var(--danger); }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
button:disabled { opacity: .6; cursor: wait; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
table.databases { width: auto; }
table.databases td { text-align: center; }
.tokens th[scope=row] { font-weight: 600; }
.description, .hint, .none { color: var(--muted); font-weight: normal; }
.status { font-size: .85em; padding: .1rem .45rem; border-radius: 1rem; border: 1px solid var(--line); }
.status-active { color: #1a7f37; border-color: #1a7f37; }
.status-revoked { color: var(--danger); border-color: var(--danger); }
.actions { white-space: nowrap; }
.error { color: var(--danger); font-weight: 600; }
.new-token { border-color: var(--accent); }
.new-token input { min-width: 28rem; font-family: ui-monospace, monospace; }
dialog { border: 1px solid var(--line); border-radius: 8px; max-width: 32rem; }
dialog .buttons { text-align: right; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.message { max-width: 40rem; }
`
