/** docs/dashboard.md's sample: `lattice dashboard` prints the URL with its token, and Ctrl-C stops it. */
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cleanEnv } from '../helpers/cli.js'
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
    const child = spawn(process.execPath, [BIN, 'dashboard', '--port', '0'], { cwd: s.dir, env: cleanEnv({ NO_COLOR: '1', ...s.env() }) })
    let out = ''
    child.stdout.on('data', (d) => (out += d.toString()))
    child.stderr.on('data', (d) => (out += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    await expect.poll(() => out, { timeout: 30_000 }).toMatch(/Ctrl-C stops it\.\n/)
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    t.note(`$ lattice dashboard --port 0\n${out.replace(/\n+$/, '')}`)
    expectSample('dashboard/start', t.text())
  }, 60_000)
})
