/**
 * `npm run quickstart`: the whole product on this machine, with nothing to set up.
 * Starts a local nats-server (operator mode, full resolver, fresh keys), two hosts running
 * v1 and v2 of a demo actor, steady request traffic, and shifts the traffic
 * 10% -> 50% -> 100% with the real `lattice` binary, printing the observed split each time.
 * Everything is stopped at the end.
 */
import { execFileSync } from 'node:child_process'
import { Host } from '../src/host-core/index.js'
import { newActorId } from '../test/helpers/ids.js'
import { startLattice } from '../test/helpers/nats-server.js'
import { appConnection } from '../test/helpers/traffic.js'

const l = await startLattice({ jetstream: true })
const conns = await Promise.all([0, 1, 2].map(() => appConnection(l.url, l.appCredsFile)))
const [hostConnA, hostConnB, client] = conns
const actor = newActorId()
const hosts: Host[] = []
const say = (s: string) => process.stdout.write(`${s}\n`)
const lattice = (...args: string[]) => execFileSync(process.execPath, ['bin/run.js', ...args], { env: { ...process.env, ...l.env(), LATTICE_STATE_CREDS: l.appCredsFile }, encoding: 'utf8' })

try {
  say(`local nats-server at ${l.url} (operator mode, full resolver, JetStream for history); account ${l.appAccount}`)
  hosts.push(await Host.start({ nc: hostConnA, hostId: 'host-a' }), await Host.start({ nc: hostConnB, hostId: 'host-b' }))
  await hosts[0].startActor({ id: actor, version: 'v1', count: 2, handler: () => 'v1' })
  await hosts[1].startActor({ id: actor, version: 'v2', count: 2, handler: () => 'v2' })
  say(`host-a runs v1, host-b runs v2 of actor ${actor}\n`)

  const observe = async (n = 2000) => {
    const counts: Record<string, number> = { v1: 0, v2: 0 }
    await Promise.all(Array.from({ length: n }, async () => counts[(await client.request(`wasmbus.rpc.default.${actor}`)).string()]++))
    return `observed over ${n} requests: v1 ${((counts.v1 / n) * 100).toFixed(1)}%, v2 ${((counts.v2 / n) * 100).toFixed(1)}%`
  }
  say(`no mapping yet (traffic spread over every instance): ${await observe()}\n`)
  for (const [weight, from] of [['10', 'v1'], ['50', undefined], ['100', undefined]] as const) {
    const args = ['shift', 'actor', actor, '--to', 'v2', '--weight', weight, ...(from ? ['--from', from] : [])]
    say(`$ lattice ${args.join(' ')}`)
    say(lattice(...args).trimEnd())
    say(`${await observe()}\n`)
  }
  say('$ lattice rollback')
  say(lattice('rollback').trimEnd())
  say(`${await observe()}\n`)
  say('$ lattice history')
  say(lattice('history').trimEnd())
  say('\n$ lattice status')
  say(lattice('status').trimEnd())
} finally {
  await Promise.all(hosts.map((h) => h.close()))
  await Promise.all(conns.map((c) => c.close()))
  await l.stop()
  say('\nstopped the local server and hosts.')
}
