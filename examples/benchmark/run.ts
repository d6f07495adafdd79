/**
 * The benchmark driver (issues 3, 8, 11 and 13): `npm run bench`.
 *
 * Scenarios come in two groups, Express and Fastify (`scenarios.ts`), and every ratio is to the
 * bare framework of the scenario's own group, measured in the same round. The Express group's
 * managed-token scenarios seed their own store (a temporary SQLite file, or a PostgreSQL schema
 * of their own that is dropped afterwards); the PostgreSQL ones need `BENCH_POSTGRES` or
 * `TOKENGATE_TEST_POSTGRES` and are skipped, and named as not run, without either. The Express
 * group also reports what a store lookup adds: each `-nocache` scenario's server CPU per request
 * less its cached twin's, against the ≤ 25 µs target for SQLite. Its two rate-limited scenarios
 * (issue 11) count every request in memory or in a Redis (`TOKENGATE_BENCH_REDIS`, else
 * `TOKENGATE_TEST_REDIS`, else the local one; skipped, and named as not run, when it cannot be
 * reached), and are checked to answer with the `RateLimit` headers. For each scenario, one
 * at a time, the driver starts the scenario server in its own child process on 127.0.0.1, checks
 * that it really authenticates and authorizes (the measured request answers 200 with the expected
 * body, a near-miss token is denied 403, a forged token 401), loads it from this process (a
 * warm-up, then the measured run), and stops it. In every round, each group runs its bare
 * framework first and last; ratios are to the mean of those two, and their difference is reported
 * as drift. With several rounds, the middle scenarios run in reverse order in every other round,
 * and the tables show medians.
 *
 * Load comes from `load.ts`, a small keep-alive generator that checks every answer, in this
 * process: autocannon costs about as much CPU per request as bare Fastify, so on two cores it
 * cannot keep Fastify busy (`--generator autocannon` runs it, to compare). Every run reports how
 * much of a core the server used: a bare framework well below a whole core on a quiet machine
 * means the generator, not the server, was the limit.
 *
 * Settings (flags win over environment variables):
 * - `--duration N` / `BENCH_DURATION`: measured seconds per scenario (default 8)
 * - `--warmup N` / `BENCH_WARMUP`: warm-up seconds per scenario (default 2)
 * - `--rounds N` / `BENCH_ROUNDS`: rounds (default 2)
 * - `--connections N` / `BENCH_CONNECTIONS`: connections (default 50; pipelining is 1)
 * - `--retries N` / `BENCH_RETRIES`: how many measured runs, in the whole benchmark, may be
 *   repeated because other processes used more than a quarter of a core during them (default 3,
 *   at most 2 for any one run; Linux only). The least disturbed attempt is kept.
 * - `--only express|fastify` / `BENCH_ONLY`: run one group (default both)
 * - `--generator builtin|autocannon` / `BENCH_GENERATOR`: the load generator (default builtin)
 *
 * On Linux the driver also reads, for every measured run, the CPU time the server used (from
 * `/proc/<pid>/stat`) and what the rest of the machine used (`/proc/stat`): the tables show the
 * server's CPU time per request, a second view of each scenario's cost that other load moves
 * less, how busy the server was, and how much CPU other processes took.
 *
 * Exit status: 0 when every run finished without a single non-2xx answer, error, timeout or
 * body mismatch (whether the targets are met or not: the tables say so); 1 otherwise, loudly.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { cpus, loadavg, platform } from 'node:os'
import autocannon from 'autocannon'
import { type Credentials, credentialsFor } from './credentials.js'
import { generateLoad } from './load.js'
import { TICKS_PER_SECOND, median, processCpu } from './measure.js'
import { type RunningServer, probe, startScenarioServer, stopAllServers } from './scenario-process.js'
import {
  EXPECTED_BODY,
  FRAMEWORKS,
  FRAMEWORK_GROUPS,
  PATH,
  SCENARIOS,
  type Framework,
  type Scenario,
  type ScenarioName,
  benchRedisUrl,
  runnableScenarios,
  scenarioNamed,
} from './scenarios.js'

/** The load generators the driver can use. */
const GENERATORS = ['builtin', 'autocannon'] as const
type Generator = (typeof GENERATORS)[number]

/** The driver's settings. */
interface Settings {
  readonly duration: number
  readonly warmup: number
  readonly rounds: number
  readonly connections: number
  readonly retries: number
  readonly frameworks: readonly Framework[]
  readonly generator: Generator
}

/** One measured run of one scenario. */
interface Run {
  readonly scenario: ScenarioName
  readonly framework: Framework
  readonly round: number
  /** For a bare framework: whether this is the round's first or last run of its group. */
  readonly position: 'start' | 'end' | null
  readonly rps: number
  readonly p99: number
  readonly requests: number
  /** The server's CPU time per request in microseconds, or `null` where `/proc` is missing. */
  readonly cpuPerRequest: number | null
  /** Cores' worth of CPU the server used during the run, or `null` where `/proc` is missing. */
  readonly serverBusy: number | null
  /** Cores' worth of CPU that other processes used during the run, or `null` where `/proc` is missing. */
  readonly foreign: number | null
}

/** What one load run measured, whichever generator made it. */
interface LoadOutcome {
  readonly requests: number
  /** Seconds. */
  readonly duration: number
  /** Milliseconds. */
  readonly p99: number
}

const SETTINGS_HELP = `usage: npm run bench -- [--duration S] [--warmup S] [--rounds N] [--connections N] [--retries N] [--only F] [--generator G]
  --duration S     measured seconds per scenario (BENCH_DURATION, default 8)
  --warmup S       warm-up seconds per scenario (BENCH_WARMUP, default 2)
  --rounds N       rounds over all scenarios; the tables show medians (BENCH_ROUNDS, default 2)
  --connections N  connections, pipelining 1 (BENCH_CONNECTIONS, default 50)
  --retries N      repeat up to N measured runs disturbed by other processes (BENCH_RETRIES, default 3)
  --only F         only the express or the fastify group (BENCH_ONLY, default both)
  --generator G    builtin (examples/benchmark/load.ts) or autocannon (BENCH_GENERATOR, default builtin)`

const KNOWN_FLAGS = ['--duration', '--warmup', '--rounds', '--connections', '--retries', '--only', '--generator']

/** A flag's value (`--flag value` or `--flag=value`), else the environment variable's. */
function rawSetting(flag: string, env: string): string | undefined {
  const args = process.argv.slice(2)
  const index = args.findIndex((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`))
  if (index === -1) return process.env[env]
  const arg = args[index] ?? ''
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[index + 1]
}

function integerSetting(flag: string, env: string, fallback: number, min: number, max: number): number {
  const raw = rawSetting(flag, env)
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`--${flag} (${env}) must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}\n${SETTINGS_HELP}`)
  }
  return value
}

function choiceSetting<T extends string>(flag: string, env: string, choices: readonly T[], fallback: T | null): T | null {
  const raw = rawSetting(flag, env)
  if (raw === undefined || raw === '') return fallback
  const value = choices.find((choice) => choice === raw)
  if (value === undefined) {
    throw new TypeError(`--${flag} (${env}) must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}\n${SETTINGS_HELP}`)
  }
  return value
}

function readSettings(): Settings {
  for (const arg of process.argv.slice(2)) {
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${SETTINGS_HELP}\n`)
      process.exit(0)
    }
    if (arg.startsWith('-') && !KNOWN_FLAGS.some((flag) => arg === flag || arg.startsWith(`${flag}=`))) {
      throw new TypeError(`Unknown option ${arg}\n${SETTINGS_HELP}`)
    }
  }
  const only = choiceSetting('only', 'BENCH_ONLY', FRAMEWORKS, null)
  return {
    duration: integerSetting('duration', 'BENCH_DURATION', 8, 1, 120),
    warmup: integerSetting('warmup', 'BENCH_WARMUP', 2, 0, 60),
    rounds: integerSetting('rounds', 'BENCH_ROUNDS', 2, 1, 10),
    connections: integerSetting('connections', 'BENCH_CONNECTIONS', 50, 1, 1000),
    retries: integerSetting('retries', 'BENCH_RETRIES', 3, 0, 20),
    frameworks: only === null ? FRAMEWORKS : [only],
    generator: choiceSetting('generator', 'BENCH_GENERATOR', GENERATORS, 'builtin') ?? 'builtin',
  }
}

/** The load run in progress, to stop on Ctrl-C. */
let current: { stop(): void } | null = null

/** A run is disturbed when other processes used more than this many cores' worth of CPU. */
const DISTURBED = 0.25

/** A bare framework that used less of a core than this, undisturbed, was not kept busy. */
const SATURATED = 0.85

/** At most this many attempts at one measured run. */
const MAX_ATTEMPTS = 3

/** Repeated runs left in the whole benchmark (`--retries`). */
let retriesLeft = 0

/** CPU seconds the whole machine has been busy, or `null` where `/proc` is missing. */
function machineCpu(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number)
    return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND
  } catch {
    return null
  }
}

interface CpuMark {
  readonly wall: number
  readonly server: number | null
  readonly self: number | null
  readonly machine: number | null
}

function cpuMark(serverPid: number): CpuMark {
  return { wall: performance.now() / 1000, server: processCpu(serverPid), self: processCpu(process.pid), machine: machineCpu() }
}

/** The server's CPU seconds, its cores' worth, and the other processes' cores between two marks. */
function cpuBetween(a: CpuMark, b: CpuMark): { server: number | null; busy: number | null; foreign: number | null } {
  if (a.server === null || b.server === null || a.self === null || b.self === null || a.machine === null || b.machine === null) {
    return { server: null, busy: null, foreign: null }
  }
  const wall = b.wall - a.wall
  const server = b.server - a.server
  const foreign = (b.machine - a.machine - server - (b.self - a.self)) / wall
  return { server, busy: server / wall, foreign: Math.max(0, foreign) }
}

/** Fail loudly when a single answer was not a 2xx with the expected body. */
function checkAnswers(
  server: RunningServer,
  what: string,
  requests: number,
  bad: { non2xx: number; errors: number; timeouts: number; mismatches: number },
  statusCodes: unknown,
): void {
  if (Object.values(bad).some((n) => n !== 0) || requests === 0) {
    throw new Error(
      `The ${what} of scenario ${server.scenario} had failed requests: ${JSON.stringify(bad)}, ` +
        `${requests} completed, status codes ${JSON.stringify(statusCodes)}. ` +
        'A benchmark of failing requests measures nothing: fix the scenario first.',
    )
  }
}

/** One run with autocannon, as the benchmark first measured (`--generator autocannon`). */
function autocannonLoad(server: RunningServer, headers: { [name: string]: string }, seconds: number, settings: Settings, what: string): Promise<LoadOutcome> {
  return new Promise((resolve, reject) => {
    current = autocannon(
      {
        url: `http://127.0.0.1:${server.port}${PATH}`,
        connections: settings.connections,
        pipelining: 1,
        duration: seconds,
        method: 'GET',
        headers,
        expectBody: EXPECTED_BODY,
        timeout: 10,
        title: `${server.scenario} ${what}`,
      },
      (error, result) => {
        current = null
        if (error !== null) {
          reject(error)
          return
        }
        try {
          const bad = { non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts, mismatches: result.mismatches }
          checkAnswers(server, what, result.requests.total, bad, result.statusCodeStats)
        } catch (failure) {
          reject(failure as Error)
          return
        }
        resolve({ requests: result.requests.total, duration: result.duration, p99: result.latency.p99 })
      },
    )
  })
}

/** One run with the built-in generator (`load.ts`). */
async function builtinLoad(server: RunningServer, headers: { [name: string]: string }, seconds: number, settings: Settings, what: string): Promise<LoadOutcome> {
  const run = generateLoad({ port: server.port, path: PATH, headers, connections: settings.connections, seconds, expectBody: EXPECTED_BODY })
  current = run
  try {
    const result = await run
    const { non2xx, errors, timeouts, mismatches } = result
    checkAnswers(server, what, result.requests, { non2xx, errors, timeouts, mismatches }, result.statusCodes)
    return { requests: result.requests, duration: result.duration, p99: result.p99 }
  } finally {
    current = null
  }
}

/** One load run against a server; rejects when a single answer was not a 2xx with the expected body. */
function load(server: RunningServer, token: string | null, seconds: number, settings: Settings, what: string): Promise<LoadOutcome> {
  const headers = token === null ? {} : { authorization: `Bearer ${token}` }
  return settings.generator === 'autocannon'
    ? autocannonLoad(server, headers, seconds, settings, what)
    : builtinLoad(server, headers, seconds, settings, what)
}

/** Check, before loading it, that a server answers the measured request and denies the near misses. */
async function checkServer(server: RunningServer, credentials: Credentials): Promise<void> {
  const expect = async (token: string | null, status: number, what: string, body?: string): Promise<void> => {
    const answer = await probe(server.port, PATH, token)
    if (answer.status !== status || (body !== undefined && answer.body !== body)) {
      throw new Error(
        `Scenario ${server.scenario}: ${what} answered ${answer.status} ${answer.body.slice(0, 200)}; expected ${status}${body === undefined ? '' : ` ${body}`}`,
      )
    }
  }
  await expect(credentials.token, 200, 'the measured request', EXPECTED_BODY)
  if (scenarioNamed(server.scenario).rateLimit !== null) {
    // A limited scenario counts every request: its answers carry the policy and what remains.
    const answer = await probe(server.port, PATH, credentials.token)
    const policy = answer.headers['ratelimit-policy']
    const remaining = /^"default";r=(\d+);t=\d+$/.exec(String(answer.headers['ratelimit']))?.[1]
    if (typeof policy !== 'string' || !policy.startsWith('"default";q=') || remaining === undefined) {
      throw new Error(`Scenario ${server.scenario}: the measured request has no RateLimit headers: ${JSON.stringify(answer.headers)}`)
    }
  }
  if (credentials.nearMiss !== null) await expect(credentials.nearMiss, 403, 'a near-miss token (an actor without the permission)')
  if (credentials.forged !== null) await expect(credentials.forged, 401, 'a forged token')
  if (credentials.token !== null) await expect(null, 401, 'a request without a token')
}

async function measure(scenario: Scenario, round: number, position: Run['position'], settings: Settings): Promise<Run> {
  const credentials = credentialsFor(scenario.name)
  const server = await startScenarioServer(scenario.name)
  try {
    await checkServer(server, credentials)
    if (settings.warmup > 0) await load(server, credentials.token, settings.warmup, settings, 'warm-up')
    let best: Run | null = null
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const before = cpuMark(server.pid)
      const result = await load(server, credentials.token, settings.duration, settings, 'measured run')
      const cpu = cpuBetween(before, cpuMark(server.pid))
      const run: Run = {
        scenario: scenario.name,
        framework: scenario.framework,
        round,
        position,
        rps: result.requests / result.duration,
        p99: result.p99,
        requests: result.requests,
        cpuPerRequest: cpu.server === null ? null : (cpu.server * 1e6) / result.requests,
        serverBusy: cpu.busy,
        foreign: cpu.foreign,
      }
      if (best === null || (run.foreign ?? 0) < (best.foreign ?? 0)) best = run
      if ((run.foreign ?? 0) <= DISTURBED || attempt === MAX_ATTEMPTS || retriesLeft === 0) break
      retriesLeft -= 1
      process.stdout.write(
        `          ${scenario.label}: other processes used ${fmtCores(run.foreign)} of a core during the run; measuring it again\n`,
      )
    }
    if (best === null) throw new Error('unreachable: no measured run')
    return best
  } finally {
    await server.stop()
  }
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const fmtRps = (value: number): string => integer.format(value)
const fmtRatio = (value: number): string => value.toFixed(2)
const fmtMs = (value: number): string => String(Math.round(value))
const fmtCores = (value: number | null): string => (value === null || Number.isNaN(value) ? 'n/a' : `${Math.round(value * 100)}%`)
const fmtUs = (value: number | null): string => (value === null || Number.isNaN(value) ? 'n/a' : value.toFixed(1))
const fmtPercent = (value: number): string => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}%`

function table(header: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (right[i] === true ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`
  const rule = `|${widths.map((w, i) => (right[i] === true ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`
  return [line(header), rule, ...rows.map(line)].join('\n')
}

/** The table and the targets of one framework's group. Returns the text and how many targets it missed. */
function reportGroup(framework: Framework, allRuns: readonly Run[]): { text: string; misses: number } {
  const group = FRAMEWORK_GROUPS[framework]
  const runs = allRuns.filter((r) => r.framework === framework)
  const rounds = [...new Set(runs.map((r) => r.round))]
  const baselineRun = (round: number, position: 'start' | 'end'): Run | undefined =>
    runs.find((r) => r.round === round && r.scenario === group.baseline && r.position === position)
  const baseRps = new Map<number, number>()
  const baseCpu = new Map<number, number>()
  const drifts: number[] = []
  for (const round of rounds) {
    const start = baselineRun(round, 'start')
    const end = baselineRun(round, 'end')
    if (start === undefined || end === undefined) continue
    baseRps.set(round, (start.rps + end.rps) / 2)
    if (start.cpuPerRequest !== null && end.cpuPerRequest !== null) baseCpu.set(round, (start.cpuPerRequest + end.cpuPerRequest) / 2)
    drifts.push((end.rps - start.rps) / start.rps)
  }
  const ratioOf = (run: Run): number => run.rps / (baseRps.get(run.round) ?? Number.NaN)
  const cpuRatioOf = (run: Run): number =>
    run.cpuPerRequest === null ? Number.NaN : (baseCpu.get(run.round) ?? Number.NaN) / run.cpuPerRequest

  const multi = rounds.length > 1
  const rows: string[][] = []
  const ratios = new Map<ScenarioName, number>()
  const cpuRatios = new Map<ScenarioName, number>()
  const addRow = (label: string, selected: readonly Run[], key: ScenarioName | null): void => {
    const perRound = selected.map(ratioOf)
    const ratio = median(perRound)
    const cpu = selected.map((r) => r.cpuPerRequest).filter((v): v is number => v !== null)
    const busy = selected.map((r) => r.serverBusy).filter((v): v is number => v !== null)
    const cpuRatio = cpu.length === 0 ? Number.NaN : median(selected.map(cpuRatioOf))
    rows.push([
      label,
      fmtRps(median(selected.map((r) => r.rps))),
      fmtMs(median(selected.map((r) => r.p99))),
      fmtRatio(ratio),
      ...(multi ? [perRound.map(fmtRatio).join(' / ')] : []),
      fmtUs(cpu.length === 0 ? null : median(cpu)),
      cpu.length === 0 ? 'n/a' : fmtRatio(cpuRatio),
      fmtCores(busy.length === 0 ? null : median(busy)),
    ])
    if (key !== null) {
      ratios.set(key, ratio)
      cpuRatios.set(key, cpuRatio)
    }
  }
  // The scenarios of this group that ran: the PostgreSQL ones are skipped without a server.
  const middle = SCENARIOS.filter((s) => s.framework === framework && s.name !== group.baseline && runs.some((r) => r.scenario === s.name))
  addRow(`${group.label} (first run)`, runs.filter((r) => r.position === 'start'), null)
  for (const scenario of middle) addRow(scenario.label, runs.filter((r) => r.scenario === scenario.name), scenario.name)
  addRow(`${group.label} (last run)`, runs.filter((r) => r.position === 'end'), null)

  const header = [
    'scenario',
    'req/s',
    'p99 ms',
    `ratio to ${group.label}`,
    ...(multi ? ['ratio per round'] : []),
    'server CPU µs/req',
    'CPU ratio',
    'server busy',
  ]
  const right = header.map((h) => h !== 'scenario' && h !== 'ratio per round')
  const out: string[] = [`${framework === 'express' ? 'Express 5' : 'Fastify 5'}:`, '', table(header, rows, right)]

  const startRps = median(runs.filter((r) => r.position === 'start').map((r) => r.rps))
  const endRps = median(runs.filter((r) => r.position === 'end').map((r) => r.rps))
  out.push(
    '',
    `Baseline drift: ${group.label} ${fmtRps(startRps)} req/s first, ${fmtRps(endRps)} req/s last ` +
      `(${drifts.map(fmtPercent).join(', ')} per round); each ratio is to the mean of its round's two ${group.label} runs` +
      (multi ? ', and the table shows medians over rounds.' : '.'),
  )
  const bareBusy = runs.filter((r) => r.position !== null && r.serverBusy !== null && (r.foreign ?? 0) <= DISTURBED).map((r) => r.serverBusy ?? 0)
  if (bareBusy.length > 0 && median(bareBusy) < SATURATED) {
    out.push(
      `${group.label} used only ${fmtCores(median(bareBusy))} of a core in undisturbed runs: the load generator, not the server, ` +
        'set its pace, so every ratio in this table is too close to 1.',
    )
  }
  out.push('', `Targets (${group.targetsFrom}, ratio of req/s to ${group.label}):`)
  let misses = 0
  for (const scenario of middle) {
    if (scenario.target === null) continue
    const ratio = ratios.get(scenario.name) ?? Number.NaN
    const pass = ratio >= scenario.target
    if (!pass) misses += 1
    out.push(`  ${`${scenario.label} >= ${scenario.target.toFixed(2)}:`.padEnd(44)} ${fmtRatio(ratio)}  ${pass ? 'PASS' : 'MISS'}`)
  }
  const cpuOf = (name: ScenarioName): number =>
    median(runs.filter((r) => r.scenario === name).map((r) => r.cpuPerRequest).filter((v): v is number => v !== null))
  const lookups = middle.filter((s) => s.lookup !== null)
  if (lookups.length > 0) {
    out.push('', 'Store lookups (issue 8): server CPU per request with the cache off, less the same scenario with the cache:')
    for (const scenario of lookups) {
      const { cachedScenario, targetMicros } = scenario.lookup!
      const added = cpuOf(scenario.name) - cpuOf(cachedScenario)
      const verdict = Number.isNaN(added) ? 'n/a (no /proc)' : targetMicros === null ? 'reported' : added <= targetMicros ? 'PASS' : 'MISS'
      if (verdict === 'MISS') misses += 1
      out.push(`  ${`${scenario.label}${targetMicros === null ? ':' : ` <= ${targetMicros} µs:`}`.padEnd(44)} ${fmtUs(added)} µs  ${verdict}`)
    }
  }
  const skipped = SCENARIOS.filter((s) => s.framework === framework && !runs.some((r) => r.scenario === s.name))
  if (skipped.length > 0) {
    const why = (s: Scenario): string =>
      s.store === 'postgres' ? 'set BENCH_POSTGRES or TOKENGATE_TEST_POSTGRES to a PostgreSQL URL' : s.rateLimit === 'redis' ? 'no Redis: set TOKENGATE_BENCH_REDIS' : 'not selected'
    out.push('', `Not run: ${skipped.map((s) => `${s.label} (${why(s)})`).join(', ')}.`)
  }
  const references = middle.filter((s) => s.target === null && s.lookup === null)
  if (references.length > 0) {
    out.push('', 'For reference:')
    for (const scenario of references) {
      const measured = `${fmtRatio(ratios.get(scenario.name) ?? Number.NaN)} (CPU ratio ${fmtRatio(cpuRatios.get(scenario.name) ?? Number.NaN)})`
      const issue = scenario.issueRatio === null ? '' : `, ${fmtRatio(scenario.issueRatio)} in the issue`
      out.push(`  ${`${scenario.label}:`.padEnd(44)} ${measured}${issue}`)
    }
  }
  out.push('')
  return { text: out.join('\n'), misses }
}

function report(runs: readonly Run[], settings: Settings): string {
  const out: string[] = ['CPU ratio: the bare framework\'s server CPU time per request divided by the scenario\'s (1.00 = no extra cost).']
  out.push('Server busy: the share of one core the server used during its run (a saturated Node server uses about one).')
  const foreign = runs.map((r) => r.foreign).filter((v): v is number => v !== null)
  out.push(
    foreign.length === 0
      ? 'Other processes: not measured (no /proc).'
      : `Other processes used at most ${fmtCores(Math.max(...foreign))} of a core during a kept run (median ${fmtCores(median(foreign))}).`,
    '',
  )
  let misses = 0
  for (const framework of settings.frameworks) {
    const group = reportGroup(framework, runs)
    out.push(group.text)
    misses += group.misses
  }
  out.push(misses === 0 ? 'All targets met.' : `${misses} target(s) missed.`, '')
  return out.join('\n')
}

/** Whether a TCP connection to a Redis URL's host and port opens within a second. */
function reachable(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      resolve(false)
      return
    }
    const socket = connect({ host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 6379), timeout: 1000 })
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
    socket.once('timeout', () => done(false))
  })
}

async function main(): Promise<void> {
  const settings = readSettings()
  retriesLeft = settings.retries
  const redis = benchRedisUrl()
  const withRedis = await reachable(redis)
  if (!withRedis && settings.frameworks.includes('express')) {
    process.stdout.write(`No Redis at ${redis.replace(/\/\/[^@/]*@/, '//')}: skipping the Redis rate-limit scenario (set TOKENGATE_BENCH_REDIS)\n`)
  }
  const runnable = runnableScenarios().filter((s) => withRedis || s.rateLimit !== 'redis')
  const groups = settings.frameworks.map((framework) => ({
    baseline: scenarioNamed(FRAMEWORK_GROUPS[framework].baseline),
    middle: runnable.filter((s) => s.framework === framework && s.name !== FRAMEWORK_GROUPS[framework].baseline),
  }))
  const perRound = groups.reduce((sum, g) => sum + g.middle.length + 2, 0)
  const estimate = settings.rounds * perRound * (settings.warmup + settings.duration + 0.7)
  const worst = estimate + settings.retries * settings.duration
  const started = performance.now()
  const cores = cpus()
  const generator =
    settings.generator === 'builtin'
      ? 'the built-in load generator (examples/benchmark/load.ts)'
      : 'autocannon (it cannot keep bare Fastify busy on two cores: compare with the built-in generator)'
  process.stdout.write(
    `tokengate benchmark: ${cores.length} cores (${cores[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, ${platform()}, load ${loadavg().map((n) => n.toFixed(2)).join(' ')}\n` +
      `${generator} in this process, ${settings.connections} connections, pipelining 1; each scenario server alone in its own child process on 127.0.0.1\n` +
      `${settings.warmup} s warm-up + ${settings.duration} s measured per run, ${perRound} runs per round, ${settings.rounds} round(s): about ${Math.round(estimate)} s (at most ${Math.round(worst)} s with ${settings.retries} repeated runs)\n\n`,
  )
  const runs: Run[] = []
  for (let round = 1; round <= settings.rounds; round += 1) {
    for (const { baseline, middle } of groups) {
      const order = round % 2 === 1 ? middle : [...middle].reverse()
      const plan: [Scenario, Run['position']][] = [[baseline, 'start'], ...order.map((s): [Scenario, Run['position']] => [s, null]), [baseline, 'end']]
      for (const [scenario, position] of plan) {
        const run = await measure(scenario, round, position, settings)
        runs.push(run)
        const label = position === null ? scenario.label : `${scenario.label} (${position === 'start' ? 'first' : 'last'})`
        process.stdout.write(
          `round ${round}/${settings.rounds}  ${label.padEnd(34)} ${fmtRps(run.rps).padStart(7)} req/s  p99 ${fmtMs(run.p99).padStart(4)} ms  ` +
            `server ${fmtUs(run.cpuPerRequest)} µs/req, busy ${fmtCores(run.serverBusy)}  others ${fmtCores(run.foreign)} of a core  (${run.requests} requests, all 200)\n`,
        )
      }
    }
  }
  process.stdout.write(`\n${report(runs, settings)}Took ${Math.round((performance.now() - started) / 1000)} s.\n`)
}

let stopping = false
function interrupt(signal: NodeJS.Signals): void {
  if (stopping) return
  stopping = true
  process.stderr.write(`\n${signal}: stopping the benchmark\n`)
  current?.stop()
  void stopAllServers().then(() => process.exit(130))
}
process.on('SIGINT', interrupt)
process.on('SIGTERM', interrupt)

main().then(
  () => stopAllServers(),
  async (error: unknown) => {
    current?.stop()
    await stopAllServers()
    process.stderr.write(`\nBENCHMARK FAILED: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
