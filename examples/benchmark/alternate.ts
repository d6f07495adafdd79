/**
 * Compare a few scenario servers closely: `node dist/examples/benchmark/alternate.js static static-limited express`
 * (after `npm run build`). It starts each named scenario's server as `npm run bench` does, loads
 * it with the built-in generator (a 2 s warm-up, then `BENCH_DURATION` seconds, default 5), and
 * alternates the servers for `BENCH_ROUNDS` rounds (default 4), every other round in reverse
 * order. It prints each server's median server CPU per request and req/s: with short runs taken
 * in turn, slow drifts of a shared machine fall on every server alike, which the full benchmark's
 * one run per scenario per round cannot promise. Every answer must be the expected 200.
 *
 * @module
 */
import { credentialsFor } from './credentials.js'
import { generateLoad } from './load.js'
import { median, processCpu } from './measure.js'
import { startScenarioServer } from './scenario-process.js'
import { EXPECTED_BODY, PATH, SCENARIO_NAMES, type ScenarioName } from './scenarios.js'

/** CPU seconds a process has used, from `/proc`: this script measures nothing else, so it needs Linux. */
function cpuSeconds(pid: number): number {
  const seconds = processCpu(pid)
  if (seconds === null) throw new Error('alternate.js reads server CPU from /proc, which this system does not have')
  return seconds
}

async function main(): Promise<void> {
  const names = process.argv.slice(2)
  const unknown = names.filter((name) => !(SCENARIO_NAMES as readonly string[]).includes(name))
  if (names.length < 2 || unknown.length > 0) {
    throw new Error(`name two or more scenarios${unknown.length > 0 ? ` (unknown: ${unknown.join(', ')})` : ''}; they are: ${SCENARIO_NAMES.join(', ')}`)
  }
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? 4)
  const seconds = Number(process.env['BENCH_DURATION'] ?? 5)
  const results = new Map<string, { cpu: number; rps: number }[]>(names.map((name) => [name, []]))
  for (let round = 0; round < rounds; round++) {
    for (const name of (round % 2 === 0 ? names : [...names].reverse()) as ScenarioName[]) {
      const server = await startScenarioServer(name)
      try {
        const { token } = credentialsFor(name)
        const load = { port: server.port, path: PATH, headers: token === null ? {} : { authorization: `Bearer ${token}` }, connections: 50, expectBody: EXPECTED_BODY }
        await generateLoad({ ...load, seconds: 2 })
        const before = cpuSeconds(server.pid)
        const result = await generateLoad({ ...load, seconds })
        const cpu = ((cpuSeconds(server.pid) - before) * 1e6) / result.requests
        if (result.non2xx + result.errors + result.timeouts + result.mismatches > 0) throw new Error(`${name}: not every answer was the expected 200`)
        results.get(name)!.push({ cpu, rps: result.requests / result.duration })
        process.stdout.write(`round ${round + 1}/${rounds}  ${name.padEnd(26)} ${cpu.toFixed(1)} µs/req  ${Math.round(result.requests / result.duration)} req/s\n`)
      } finally {
        await server.stop()
      }
    }
  }
  process.stdout.write(`\nmedians of ${rounds} alternating ${seconds} s runs:\n`)
  for (const [name, runs] of results) {
    process.stdout.write(`  ${name.padEnd(26)} ${median(runs.map((r) => r.cpu)).toFixed(1)} µs of server CPU per request, ${Math.round(median(runs.map((r) => r.rps)))} req/s\n`)
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`alternate: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
