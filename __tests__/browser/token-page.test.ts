/**
 * The token page in a real browser (SPEC section 10): Debian's Chromium driven by
 * playwright-core, against a real Express app listening on 127.0.0.1.
 *
 * The main test signs in through a one-time login URL, creates a token with Write on one
 * database and a rate limit, uses it in real HTTP requests (allowed there, 403 on another
 * database), sees both requests in its usage log on the page and changes its limit there,
 * revokes it in the page and sees the next request refused. Others check escaping and keyboard use.
 *
 * Needs `CHROMIUM_PATH` (CI sets it); skipped with a printed reason otherwise. Screenshots go to
 * a temporary folder, or to docs/images/ with `TOKENGATE_SCREENSHOTS=docs` (how the committed
 * ones in docs/token-page.md were made).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import express from 'express'
import { type BrowserContext, type Page, chromium } from 'playwright-core'
import { createGate, createLoginLink, createMemoryTokenStore, requirePermission, tokenAdmin, tokenAuth } from 'tokengate'
import type { Gate, LoginLink } from 'tokengate'

const CHROMIUM = process.env['CHROMIUM_PATH']
if (CHROMIUM === undefined || CHROMIUM === '') {
  console.log('Skipping the token page browser tests: CHROMIUM_PATH is not set (CI sets it to Debian\'s /usr/bin/chromium)')
}
const maybe = CHROMIUM === undefined || CHROMIUM === '' ? describe.skip : describe

const SHOTS =
  process.env['TOKENGATE_SCREENSHOTS'] === 'docs' ? resolve(__dirname, '../../docs/images') : mkdtempSync(join(tmpdir(), 'tokengate-screenshots-'))

interface Running {
  base: string
  gate: Gate
  link: LoginLink
  server: Server
}

/** The demo-like app: cookie sessions, the admin mount with a login link, two databases of data routes. */
async function start(): Promise<Running> {
  const gate = createGate(
    { secret: 'browser-suite-secret', databases: { docs: {}, notes: {} } },
    { rootEnabled: true, tokenStore: createMemoryTokenStore() },
  )
  const link = createLoginLink(gate)
  const app = express()
  app.use(tokenAuth(gate, { actorCookie: true }))
  app.use(tokenAdmin(gate, { loginLink: link }))
  app.post('/:db/:table/-/insert', requirePermission('insert-row', ':db', ':table'), (_req, res) => {
    res.json({ ok: true })
  })
  const server = await new Promise<Server>((done) => {
    const listening = app.listen(0, '127.0.0.1', () => done(listening))
  })
  const { port } = server.address() as AddressInfo
  return { base: `http://127.0.0.1:${port}`, gate, link, server }
}

maybe('the token page in Chromium', () => {
  let running: Running
  let context: BrowserContext
  let userData: string
  /** Alerts, confirms and CSP violations: none may happen. */
  const incidents: string[] = []

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    running = await start()
    userData = mkdtempSync(join(tmpdir(), 'tokengate-chromium-'))
    context = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM as string,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      viewport: { width: 1200, height: 820 },
    })
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: running.base })
  }, 20_000)

  afterAll(async () => {
    await context?.close()
    await new Promise((done) => running?.server.close(done))
    rmSync(userData, { recursive: true, force: true })
    console.log(`Token page screenshots: ${SHOTS}`)
  })

  /**
   * What `read` gives once it is no longer `old`, polled from Node: a wait run inside the page
   * (waitForFunction) would need eval, which the page's `default-src 'self'` forbids.
   */
  async function changedFrom(read: () => Promise<string>, old: string, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const current = await read()
      if (current !== old) return current
      if (Date.now() > deadline) throw new Error(`the value did not change within ${timeoutMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  async function signedInPage(): Promise<Page> {
    const page = await context.newPage()
    page.on('dialog', (dialog) => {
      incidents.push(`dialog: ${dialog.message()}`)
      void dialog.dismiss()
    })
    page.on('console', (message) => {
      // The browser's own favicon request is the app's 404, not the page's.
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) incidents.push(`console: ${message.text()}`)
    })
    const response = await page.goto(`${running.base}${running.link.issue()}`)
    expect(response?.status()).toBe(200)
    expect(new URL(page.url()).pathname).toBe('/-/tokens')
    return page
  }

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })
  const insert = (db: string, token: string) => fetch(`${running.base}/${db}/items/-/insert`, { method: 'POST', headers: bearer(token) })

  test('sign in once, create a token with Write on docs, use it, revoke it in the page', async () => {
    const page = await signedInPage()
    await expect(page.getByRole('heading', { name: 'API tokens' }).isVisible()).resolves.toBe(true)
    expect(await page.locator('header').innerText()).toContain('Signed in as root')
    await page.screenshot({ path: join(SHOTS, 'token-page-empty.png'), fullPage: true })

    await page.getByLabel('Name', { exact: true }).fill('ingest-docs')
    await page.getByLabel('Description (optional)').fill('The nightly loader')
    await page.getByLabel('Expires after').selectOption({ label: '1 day' })
    await page.getByLabel('Read, Write or None per database').check()
    await page.getByLabel('Write on docs').check()
    await page.getByLabel('At most').fill('100')
    await page.getByRole('button', { name: 'Create token' }).click()
    const value = page.getByLabel('Token for ingest-docs')
    await value.waitFor()
    const token = await value.inputValue()
    expect(token).toMatch(/^tgk_[0-9A-Za-z]{38}$/)
    await page.getByRole('button', { name: 'Copy' }).click()
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor()
    const row = page.locator('#token-rows tr', { hasText: 'ingest-docs' })
    await row.waitFor()
    expect(await row.innerText()).toContain('docs: read, write')
    expect(await row.innerText()).toContain('100 requests per minute')
    await page.screenshot({ path: join(SHOTS, 'token-page-created.png'), fullPage: true })

    // The token in real requests: Write on docs, nothing on notes.
    expect((await insert('docs', token)).status).toBe(200)
    expect((await insert('notes', token)).status).toBe(403)

    // Its usage log on the page: both requests, newest first; then a stricter limit, saved there.
    await row.getByRole('link', { name: 'Usage of ingest-docs' }).click()
    await page.getByRole('heading', { name: 'Usage of ingest-docs' }).waitFor()
    const cells = await page.locator('#usage-log tbody tr').evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => (td.textContent ?? '').trim())),
    )
    expect(cells).toEqual([
      ['POST', '/notes/items/-/insert', 'insert-row', 'notes/items', 'denied', '403'],
      ['POST', '/docs/items/-/insert', 'insert-row', 'docs/items', 'allowed', '200'],
    ])
    expect(await page.locator('#limit-current').innerText()).toBe('100 requests per minute.')
    await page.screenshot({ path: join(SHOTS, 'token-page-usage.png'), fullPage: true })
    await page.locator('#l-points').fill('5')
    await page.locator('#l-window').selectOption({ label: 'hour' })
    await page.getByRole('button', { name: 'Save limit' }).click()
    await page.getByRole('status').filter({ hasText: 'Limit saved.' }).waitFor()
    expect(await page.locator('#limit-current').innerText()).toBe('5 requests per hour.')
    expect(await row.innerText()).toContain('5 requests per hour')

    // Revoke in the page, after confirming.
    await row.getByRole('button', { name: 'Revoke ingest-docs' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.waitFor()
    expect(await dialog.innerText()).toContain('Revoke the token “ingest-docs”?')
    await page.screenshot({ path: join(SHOTS, 'token-page-revoke.png') })
    await dialog.getByRole('button', { name: 'Revoke' }).click()
    await page.locator('#token-rows tr[data-status="revoked"]', { hasText: 'ingest-docs' }).waitFor()
    await page.getByText('Revoked “ingest-docs”.').waitFor()
    await page.screenshot({ path: join(SHOTS, 'token-page-revoked.png'), fullPage: true })

    const refused = await insert('docs', token)
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ error: 'Token has been revoked' })
    expect(incidents).toEqual([])
    await page.close()
  })

  test('a name that looks like HTML shows as text, from the server and from the script', async () => {
    const evil = '<img src=x onerror=alert(1)>'
    await running.gate.tokens?.create({ actorId: 'root', name: evil, description: '"><b>bold</b>' })
    const page = await signedInPage()
    const row = page.locator('#token-rows tr', { hasText: evil })
    expect(await row.locator('.name').innerText()).toBe(evil)
    expect(await row.locator('.description').innerText()).toBe('"><b>bold</b>')
    expect(await page.locator('#token-rows img, #token-rows b').count()).toBe(0)

    // Created through the form: the new-token panel and the refreshed list show it as text.
    await page.getByLabel('Name', { exact: true }).fill(`${evil} 2`)
    await page.getByRole('button', { name: 'Create token' }).click()
    await page.getByLabel(`Token for ${evil} 2`).waitFor()
    expect(await page.locator('#new-token-name').innerText()).toBe(`${evil} 2`)
    await page.locator('#token-rows tr', { hasText: `${evil} 2` }).waitFor()
    expect(await page.locator('img').count()).toBe(0)
    expect(incidents).toEqual([])
    await page.close()
  })

  test('the keyboard alone: create, copy, cancel a revoke with Escape, then rotate', async () => {
    const page = await signedInPage()
    // The name field is the first stop.
    await page.keyboard.press('Tab')
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('t-name')
    await page.keyboard.type('keyboard-token')
    await page.keyboard.press('Enter') // submits the form
    const value = page.getByLabel('Token for keyboard-token')
    await value.waitFor()
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('new-token-heading')
    const first = await value.inputValue()

    const revoke = page.getByRole('button', { name: 'Revoke keyboard-token' })
    await revoke.focus()
    await page.keyboard.press('Enter')
    await page.getByRole('dialog').waitFor()
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('confirm-cancel')
    await page.keyboard.press('Escape')
    await page.getByRole('dialog').waitFor({ state: 'hidden' })
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toContain('Revoke')
    expect((await fetch(`${running.base}/docs/t/-/insert`, { method: 'POST', headers: bearer(first) })).status).toBe(200)

    const rotate = page.getByRole('button', { name: 'Rotate keyboard-token' })
    await rotate.focus()
    await page.keyboard.press('Enter')
    await page.getByRole('dialog').waitFor()
    await page.keyboard.press('Tab') // Cancel → Rotate
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('confirm-ok')
    await page.keyboard.press('Enter')
    const second = await changedFrom(() => value.inputValue(), first)
    expect(second).not.toBe(first)
    expect((await fetch(`${running.base}/docs/t/-/insert`, { method: 'POST', headers: bearer(first) })).status).toBe(401)
    expect((await fetch(`${running.base}/docs/t/-/insert`, { method: 'POST', headers: bearer(second) })).status).toBe(200)
    expect(incidents).toEqual([])
    await page.close()
  })

  test('an anonymous visitor is told how to sign in; the used login link is refused', async () => {
    const anonymous = await chromium.launch({
      executablePath: CHROMIUM as string,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    })
    try {
      const page = await anonymous.newPage()
      const response = await page.goto(`${running.base}/-/tokens`)
      expect(response?.status()).toBe(401)
      expect(await page.locator('main').innerText()).toContain('Open the one-time login link the server printed')
      const link = running.link.issue()
      expect((await page.goto(`${running.base}${link}`))?.status()).toBe(200)
      await page.context().clearCookies()
      expect((await page.goto(`${running.base}${link}`))?.status()).toBe(403)
    } finally {
      await anonymous.close()
    }
  })
})
