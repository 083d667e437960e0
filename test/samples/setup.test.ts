/** docs/setup.md's samples: `lattice init` (what it prints and the server config it writes) and test IDs from `lattice dev id`. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, it } from 'vitest'
import { Transcript, expectSample } from './sample.js'

describe('setting up NATS for lattice', () => {
  const parent = mkdtempSync(join(tmpdir(), 'lattice-sample-'))
  const dir = join(parent, 'nats')
  afterAll(() => rmSync(parent, { recursive: true, force: true }))

  it('lattice init writes a deployment and its server config', async () => {
    const t = new Transcript(() => ({}), parent, [[dir, '/tmp/lattice-nats']])
    await t.run(`lattice init ${dir}`, { shown: 'lattice init /tmp/lattice-nats' })
    expectSample('setup/init', t.text())
    // The doc cuts the preloaded account JWTs short.
    const conf = readFileSync(join(dir, 'server.conf'), 'utf8').split(dir).join('/tmp/lattice-nats')
    expectSample('setup/server-conf', conf.replace(/"(eyJ[\w-]{20})[\w.-]+"/g, '"$1..."'))
  })

  it('lattice dev id makes valid test IDs', async () => {
    const t = new Transcript(() => ({}))
    await t.run('lattice dev id actor')
    await t.run('lattice dev id provider --json')
    expectSample('setup/dev-id', t.text())
  })
})
