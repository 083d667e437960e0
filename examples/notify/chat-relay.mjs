#!/usr/bin/env node
// Relay lattice rollout notifications to a chat webhook that takes Slack's {"text": ...}
// (Slack incoming webhooks, Mattermost, Rocket.Chat, Google Chat, Discord's /slack endpoint).
//
//   CHAT_WEBHOOK_URL=https://hooks.slack.com/services/... node examples/notify/chat-relay.mjs
//   lattice rollout actor MB... --from 1.0.0 --to 1.1.0 --notify http://relay-host:8787/
//
// Posts the events a person wants to see (start, pause, failed gates, the outcome), not every step.
// PORT (default 8787) and HOST (default 127.0.0.1) say where it listens. No dependencies.
import { createServer } from 'node:http'

const chat = process.env.CHAT_WEBHOOK_URL
if (!chat) {
  console.error('Set CHAT_WEBHOOK_URL to the chat webhook to post to.')
  process.exit(2)
}
const port = Number(process.env.PORT ?? 8787)
const host = process.env.HOST ?? '127.0.0.1'

/** One chat line for a notification, or undefined for events not worth a message. */
function text(n) {
  const e = n.event
  const who = `${n.entity.kind} ${n.entity.id.slice(0, 12)}…${n.entity.link && n.entity.link !== 'default' ? ` (${n.entity.link})` : ''} ${n.from} → ${n.to} in ${n.lattice}`
  const step = e.step !== undefined ? ` at step ${e.step}/${e.steps}` : ''
  switch (e.type) {
    case 'started':
      return `:rocket: Rollout of ${who} started (${e.message}).`
    case 'paused':
      return `:double_vertical_bar: Rollout of ${who} paused${step}: ${e.message}.`
    case 'verdict':
      // Real-traffic analysis: a message only when it did not pass (the figures are in e.message).
      return e.judgement.outcome === 'pass'
        ? undefined
        : `:mag: Analysis ${e.judgement.outcome.toUpperCase()}${step} for ${who}: ${e.message}`
    case 'gate':
      return e.gate.pass ? undefined : `:warning: ${e.gate.gate} gate failed${step} for ${who}: ${e.gate.detail}`
    case 'completed':
      return `:white_check_mark: Rollout of ${who} completed: ${e.message}.`
    case 'rolled-back':
      return `:rotating_light: Rollout of ${who} ROLLED BACK: ${e.message}.`
    case 'held':
      return `:pause_button: Rollout of ${who} held: ${e.message}.`
    case 'failed':
      return `:x: Rollout of ${who} failed: ${e.message}.`
    default:
      return undefined
  }
}

createServer((req, res) => {
  let body = ''
  req.on('data', (d) => (body += d))
  req.on('end', async () => {
    let n
    try {
      n = JSON.parse(body)
    } catch {
      res.writeHead(400).end('not JSON')
      return
    }
    const line = n?.v === 1 ? text(n) : undefined
    if (line) {
      // Answer lattice only once the chat took it: a failure here makes lattice retry.
      const out = await fetch(chat, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: line }),
      }).catch((e) => ({ ok: false, status: e.message }))
      if (!out.ok) {
        console.error(`chat webhook refused: ${out.status}`)
        res.writeHead(502).end()
        return
      }
    }
    res.writeHead(204).end()
  })
}).listen(port, host, () =>
  console.error(`relaying rollout notifications from http://${host}:${port}/ to the chat webhook`),
)
