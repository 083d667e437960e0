/** docs/dashboard.md's sample: `lattice dashboard` prints the URL with its token, and Ctrl-C stops it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { background } from '../helpers/cli.js'
import { Transcript, expectSample } from './sample.js'
import { type Scene, startScene } from './scene.js'

describe('dashboard', () => {
  let s: Scene
  beforeAll(async () => {
    s = await startScene()
  }, 120_000)
  afterAll(() => s?.stop())

  it('starts, prints its URL, and stops on Ctrl-C', async () => {
    const t = new Transcript(s.env, s.dir)
    t.note('$ eval "$(lattice dev env)"      # or your usual NATS_URL / creds / LATTICE_* settings')
    // It runs until interrupted: read what it prints, then send what Ctrl-C sends.
    const run = background(['dashboard', '--port', '0'], s.env(), s.dir)
    await run.waitFor(/Ctrl-C stops it\.\n/, 30_000)
    expect((await run.stop('SIGINT')).code).toBe(0)
    t.note(`$ lattice dashboard --port 0\n${run.output().replace(/\n+$/, '')}`)
    expectSample('dashboard/start', t.text())
  }, 60_000)
})
