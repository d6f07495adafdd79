/**
 * The benchmark driver (issue 3, item 7): `npm run bench`.
 *
 * For each scenario of `scenarios.ts`, one at a time, it starts the scenario server in its own
 * child process on 127.0.0.1, checks that it really authenticates and authorizes (the measured
 * request answers 200 with the expected body, a near-miss token is denied 403, a forged token
 * 401), loads it with autocannon from this process (a warm-up, then the measured run), and
 * stops it. Bare Express runs first and last in every round; every ratio is to the mean of
 * those two, and their difference is reported as drift. With several rounds, the middle
 * scenarios run in reverse order in every other round, and the table shows medians.
 *
 * Settings (flags win over environment variables):
 * - `--duration N` / `BENCH_DURATION`: measured seconds per scenario (default 8)
 * - `--warmup N` / `BENCH_WARMUP`: warm-up seconds per scenario (default 2)
 * - `--rounds N` / `BENCH_ROUNDS`: rounds (default 2)
 * - `--connections N` / `BENCH_CONNECTIONS`: autocannon connections (default 50; pipelining is 1)
 * - `--retries N` / `BENCH_RETRIES`: how many measured runs, in the whole benchmark, may be
 *   repeated because other processes used more than a quarter of a core during them (default 3,
 *   at most 2 for any one run; Linux only). The least disturbed attempt is kept.
 *
 * On Linux the driver also reads, for every measured run, the CPU time the server used (from
 * `/proc/<pid>/stat`) and what the rest of the machine used (`/proc/stat`): the table shows the
 * server's CPU time per request, a second view of each scenario's cost that other load moves less, and
 * every run says how much CPU other processes took while it ran.
 *
 * Exit status: 0 when every run finished without a single non-2xx answer, error, timeout or
 * body mismatch (whether the targets are met or not: the table says so); 1 otherwise, loudly.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { cpus, loadavg, platform } from 'node:os'
import autocannon from 'autocannon'
import type { Instance, Result } from 'autocannon'
import {
  EXPECTED_BODY,
  PATH,
  SCENARIOS,
  type Credentials,
  type Scenario,
  type ScenarioName,
  benchRedisUrl,
  credentialsFor,
  scenarioNamed,
} from './scenarios.js'
import { type RunningServer, probe, startScenarioServer, stopAllServers } from './scenario-process.js'

/** The driver's settings. */
interface Settings {
  readonly duration: number
  readonly warmup: number
  readonly rounds: number
  readonly connections: number
  readonly retries: number
}

/** One measured run of one scenario. */
interface Run {
  readonly scenario: ScenarioName
  readonly round: number
  /** For bare Express: whether this is the round's first or last run. */
  readonly position: 'start' | 'end' | null
  readonly rps: number
  readonly p99: number
  readonly requests: number
  /** The server's CPU time per request in microseconds, or `null` where `/proc` is missing. */
  readonly cpuPerRequest: number | null
  /** Cores' worth of CPU that other processes used during the run, or `null` where `/proc` is missing. */
  readonly foreign: number | null
}

const SETTINGS_HELP = `usage: npm run bench -- [--duration S] [--warmup S] [--rounds N] [--connections N]
  --duration S     measured seconds per scenario (BENCH_DURATION, default 8)
  --warmup S       warm-up seconds per scenario (BENCH_WARMUP, default 2)
  --rounds N       rounds over all scenarios; the table shows medians (BENCH_ROUNDS, default 2)
  --connections N  autocannon connections, pipelining 1 (BENCH_CONNECTIONS, default 50)
  --retries N      repeat up to N measured runs disturbed by other processes (BENCH_RETRIES, default 3)`

function integerSetting(flag: string, env: string, fallback: number, min: number, max: number): number {
  const args = process.argv.slice(2)
  const index = args.findIndex((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`))
  let raw: string | undefined
  if (index !== -1) {
    const arg = args[index] ?? ''
    raw = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[index + 1]
  } else {
    raw = process.env[env]
  }
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`--${flag} (${env}) must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}\n${SETTINGS_HELP}`)
  }
  return value
}

function readSettings(): Settings {
  const known = ['--duration', '--warmup', '--rounds', '--connections', '--retries']
  for (const arg of process.argv.slice(2)) {
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${SETTINGS_HELP}\n`)
      process.exit(0)
    }
    if (arg.startsWith('-') && !known.some((flag) => arg === flag || arg.startsWith(`${flag}=`))) {
      throw new TypeError(`Unknown option ${arg}\n${SETTINGS_HELP}`)
    }
  }
  return {
    duration: integerSetting('duration', 'BENCH_DURATION', 8, 1, 120),
    warmup: integerSetting('warmup', 'BENCH_WARMUP', 2, 0, 60),
    rounds: integerSetting('rounds', 'BENCH_ROUNDS', 2, 1, 10),
    connections: integerSetting('connections', 'BENCH_CONNECTIONS', 50, 1, 1000),
    retries: integerSetting('retries', 'BENCH_RETRIES', 3, 0, 20),
  }
}

let current: Instance | null = null

/** A run is disturbed when other processes used more than this many cores' worth of CPU. */
const DISTURBED = 0.25

/** At most this many attempts at one measured run. */
const MAX_ATTEMPTS = 3

/** Repeated runs left in the whole benchmark (`--retries`). */
let retriesLeft = 0

/** Linux's USER_HZ: `/proc` counts CPU time in hundredths of a second. */
const TICKS_PER_SECOND = 100

/** CPU seconds a process has used (user + system), or `null` where `/proc` is missing. */
function processCpu(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return null
  }
}

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

/** The server's CPU seconds and the other processes' cores between two marks. */
function cpuBetween(a: CpuMark, b: CpuMark): { server: number | null; foreign: number | null } {
  if (a.server === null || b.server === null || a.self === null || b.self === null || a.machine === null || b.machine === null) {
    return { server: null, foreign: null }
  }
  const server = b.server - a.server
  const foreign = (b.machine - a.machine - server - (b.self - a.self)) / (b.wall - a.wall)
  return { server, foreign: Math.max(0, foreign) }
}

/** One autocannon run against a server; rejects when a single answer was not a 2xx with the expected body. */
function load(server: RunningServer, token: string | null, seconds: number, settings: Settings, what: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    current = autocannon(
      {
        url: `http://127.0.0.1:${server.port}${PATH}`,
        connections: settings.connections,
        pipelining: 1,
        duration: seconds,
        method: 'GET',
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
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
        const bad = { non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts, mismatches: result.mismatches }
        if (Object.values(bad).some((n) => n !== 0) || result.requests.total === 0) {
          reject(
            new Error(
              `The ${what} of scenario ${server.scenario} had failed requests: ${JSON.stringify(bad)}, ` +
                `${result.requests.total} completed, status codes ${JSON.stringify(result.statusCodeStats)}. ` +
                'A benchmark of failing requests measures nothing: fix the scenario first.',
            ),
          )
          return
        }
        resolve(result)
      },
    )
  })
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
        round,
        position,
        rps: result.requests.total / result.duration,
        p99: result.latency.p99,
        requests: result.requests.total,
        cpuPerRequest: cpu.server === null ? null : (cpu.server * 1e6) / result.requests.total,
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const fmtRps = (value: number): string => integer.format(value)
const fmtRatio = (value: number): string => value.toFixed(2)
const fmtMs = (value: number): string => String(Math.round(value))
const fmtCores = (value: number | null): string => (value === null ? 'n/a' : `${Math.round(value * 100)}%`)
const fmtUs = (value: number | null): string => (value === null || Number.isNaN(value) ? 'n/a' : value.toFixed(1))
const fmtPercent = (value: number): string => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}%`

function table(header: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (right[i] === true ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`
  const rule = `|${widths.map((w, i) => (right[i] === true ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`
  return [line(header), rule, ...rows.map(line)].join('\n')
}

function report(runs: readonly Run[]): string {
  const rounds = [...new Set(runs.map((r) => r.round))]
  const baselineRun = (round: number, position: 'start' | 'end'): Run | undefined =>
    runs.find((r) => r.round === round && r.scenario === 'express' && r.position === position)
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
  const addRow = (label: string, selected: readonly Run[], key: ScenarioName | null): void => {
    const perRound = selected.map(ratioOf)
    const ratio = median(perRound)
    const cpu = selected.map((r) => r.cpuPerRequest).filter((v): v is number => v !== null)
    rows.push([
      label,
      fmtRps(median(selected.map((r) => r.rps))),
      fmtMs(median(selected.map((r) => r.p99))),
      fmtRatio(ratio),
      ...(multi ? [perRound.map(fmtRatio).join(' / ')] : []),
      fmtUs(cpu.length === 0 ? null : median(cpu)),
      cpu.length === 0 ? 'n/a' : fmtRatio(median(selected.map(cpuRatioOf))),
    ])
    if (key !== null) ratios.set(key, ratio)
  }
  addRow('bare Express (first run)', runs.filter((r) => r.position === 'start'), null)
  for (const scenario of SCENARIOS) {
    if (scenario.name === 'express' || !runs.some((r) => r.scenario === scenario.name)) continue
    addRow(scenario.label, runs.filter((r) => r.scenario === scenario.name), scenario.name)
  }
  addRow('bare Express (last run)', runs.filter((r) => r.position === 'end'), null)

  const header = [
    'scenario',
    'req/s',
    'p99 ms',
    'ratio to bare Express',
    ...(multi ? ['ratio per round'] : []),
    'server CPU µs/req',
    'CPU ratio',
  ]
  const right = header.map((h) => h !== 'scenario' && h !== 'ratio per round')
  const out: string[] = [table(header, rows, right)]

  const startRps = median(runs.filter((r) => r.position === 'start').map((r) => r.rps))
  const endRps = median(runs.filter((r) => r.position === 'end').map((r) => r.rps))
  const foreign = runs.map((r) => r.foreign).filter((v): v is number => v !== null)
  out.push(
    '',
    `Baseline drift: bare Express ${fmtRps(startRps)} req/s first, ${fmtRps(endRps)} req/s last ` +
      `(${drifts.map(fmtPercent).join(', ')} per round); each ratio is to the mean of its round's two bare Express runs` +
      (multi ? ', and the table shows medians over rounds.' : '.'),
    'CPU ratio: bare Express\'s server CPU time per request divided by the scenario\'s (1.00 = no extra cost).',
    foreign.length === 0
      ? 'Other processes: not measured (no /proc).'
      : `Other processes used at most ${fmtCores(Math.max(...foreign))} of a core during a kept run (median ${fmtCores(median(foreign))}).`,
    '',
    'Targets (issue 3, ratio of req/s to bare Express):',
  )
  let misses = 0
  for (const scenario of SCENARIOS) {
    if (scenario.target === null || !ratios.has(scenario.name)) continue
    const ratio = ratios.get(scenario.name) ?? Number.NaN
    const pass = ratio >= scenario.target
    if (!pass) misses += 1
    out.push(`  ${`${scenario.label} >= ${scenario.target.toFixed(2)}:`.padEnd(36)} ${fmtRatio(ratio)}  ${pass ? 'PASS' : 'MISS'}`)
  }
  const untargeted = SCENARIOS.filter((s) => s.target === null && s.issueRatio === null && s.name !== 'express' && ratios.has(s.name))
  if (untargeted.length > 0) {
    out.push('', 'Reported without a target:')
    for (const scenario of untargeted) out.push(`  ${`${scenario.label}:`.padEnd(36)} ${fmtRatio(ratios.get(scenario.name) ?? Number.NaN)}`)
  }
  out.push('', 'For reference (the issue measured these alternatives doing the same job):')
  for (const scenario of SCENARIOS) {
    if (scenario.issueRatio === null) continue
    out.push(`  ${`${scenario.label}:`.padEnd(36)} ${fmtRatio(ratios.get(scenario.name) ?? Number.NaN)} here, ${fmtRatio(scenario.issueRatio)} in the issue`)
  }
  out.push('', misses === 0 ? 'All targets met.' : `${misses} target(s) missed.`, '')
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
  if (!withRedis) {
    process.stdout.write(`No Redis at ${redis.replace(/\/\/[^@/]*@/, '//')}: skipping the Redis rate-limit scenario (set TOKENGATE_BENCH_REDIS)\n`)
  }
  const middle = SCENARIOS.filter((s) => s.name !== 'express' && (withRedis || s.rateLimit !== 'redis'))
  const perRound = middle.length + 2
  const estimate = settings.rounds * perRound * (settings.warmup + settings.duration + 0.7)
  const worst = estimate + settings.retries * settings.duration
  const started = performance.now()
  const cores = cpus()
  process.stdout.write(
    `tokengate benchmark: ${cores.length} cores (${cores[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, ${platform()}, load ${loadavg().map((n) => n.toFixed(2)).join(' ')}\n` +
      `autocannon in this process, ${settings.connections} connections, pipelining 1; each scenario server alone in its own child process on 127.0.0.1\n` +
      `${settings.warmup} s warm-up + ${settings.duration} s measured per run, ${perRound} runs per round, ${settings.rounds} round(s): about ${Math.round(estimate)} s (at most ${Math.round(worst)} s with ${settings.retries} repeated runs)\n\n`,
  )
  const runs: Run[] = []
  for (let round = 1; round <= settings.rounds; round += 1) {
    const order = round % 2 === 1 ? middle : [...middle].reverse()
    const plan: [Scenario, Run['position']][] = [
      [scenarioNamed('express'), 'start'],
      ...order.map((s): [Scenario, Run['position']] => [s, null]),
      [scenarioNamed('express'), 'end'],
    ]
    for (const [scenario, position] of plan) {
      const run = await measure(scenario, round, position, settings)
      runs.push(run)
      const label = position === null ? scenario.label : `${scenario.label} (${position === 'start' ? 'first' : 'last'})`
      process.stdout.write(
        `round ${round}/${settings.rounds}  ${label.padEnd(30)} ${fmtRps(run.rps).padStart(7)} req/s  p99 ${fmtMs(run.p99).padStart(4)} ms  ` +
          `server ${fmtUs(run.cpuPerRequest)} µs/req  others ${fmtCores(run.foreign)} of a core  (${run.requests} requests, all 200)\n`,
      )
    }
  }
  process.stdout.write(`\n${report(runs)}Took ${Math.round((performance.now() - started) / 1000)} s.\n`)
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
