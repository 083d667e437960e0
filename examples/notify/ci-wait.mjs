#!/usr/bin/env node
// A CI job that waits for a rollout started elsewhere (another job, a person) to end, and passes
// or fails with it. It listens for lattice rollout notifications, writes each one to a status
// file (for later steps or artifacts), and exits when the rollout of ENTITY ends:
//   0  completed        1  rolled back, held or failed        2  no outcome within TIMEOUT
//
//   ENTITY=MB... STATUS_FILE=rollout-status.json TIMEOUT=30m node examples/notify/ci-wait.mjs &
//   lattice rollout actor MB... --from 1.0.0 --to 1.1.0 --notify http://ci-runner:8788/
//
// PORT (default 8788) and HOST (default 127.0.0.1) say where it listens. No dependencies.
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'

const entity = process.env.ENTITY
const statusFile = process.env.STATUS_FILE ?? 'rollout-status.json'
const port = Number(process.env.PORT ?? 8788)
const host = process.env.HOST ?? '127.0.0.1'
const timeout = parseDuration(process.env.TIMEOUT ?? '30m')
if (!entity) {
  console.error('Set ENTITY to the actor (M...) or provider (V...) ID whose rollout to wait for.')
  process.exit(2)
}

const ENDS = { completed: 0, 'rolled-back': 1, held: 1, failed: 1 }

const server = createServer((req, res) => {
  let body = ''
  req.on('data', (d) => (body += d))
  req.on('end', () => {
    let n
    try {
      n = JSON.parse(body)
    } catch {
      res.writeHead(400).end('not JSON')
      return
    }
    res.writeHead(204).end()
    if (n?.v !== 1 || n.entity?.id !== entity) return
    const e = n.event
    writeFileSync(
      statusFile,
      `${JSON.stringify({ phase: e.type, step: e.step, steps: e.steps, weight: e.weight, message: e.message, gate: e.gate, at: e.time, from: n.from, to: n.to }, null, 2)}\n`,
    )
    console.log(
      `${e.time} ${e.type}${e.step !== undefined ? ` ${e.step}/${e.steps}` : ''}${e.gate ? ` ${e.gate.gate} ${e.gate.pass ? 'passed' : 'FAILED'}: ${e.gate.detail}` : ''}${e.message ? `: ${e.message}` : ''}`,
    )
    if (e.type in ENDS) {
      console.log(`rollout ${e.type}`)
      server.close()
      process.exit(ENDS[e.type])
    }
  })
})
server.listen(port, host, () =>
  console.error(`waiting for the rollout of ${entity} (notifications on http://${host}:${port}/)`),
)
setTimeout(() => {
  console.error(`no outcome within ${process.env.TIMEOUT ?? '30m'}`)
  process.exit(2)
}, timeout).unref()

function parseDuration(t) {
  const m = /^(\d+)(s|m|h)$/.exec(t)
  if (!m) throw new Error(`TIMEOUT "${t}": write 90s, 30m or 2h`)
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2]]
}
