/**
 * The webhook gate against a real local HTTP server: a 2xx passes (and the receiver gets the
 * step's context as JSON), a 500 rolls back with the receiver's message shown, a redirect fails,
 * and a receiver that never answers is cut short by the timeout and by `lattice rollout abort`.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { json, lattice } from '../helpers/cli.js'
import { weightsOf as liveWeights } from '../helpers/cli-json.js'
import { type Receiver, reply } from '../helpers/http-receiver.js'
import { useRolloutLattice } from '../helpers/rollout-lattice.js'

const rl = useRolloutLattice()
let ok: Receiver, failing: Receiver, hanging: Receiver, redirecting: Receiver

beforeAll(async () => {
  ok = await rl.receiver((_req, res) => reply(res, 200, { message: 'dashboards green' }))
  failing = await rl.receiver((_req, res) => reply(res, 500, { message: 'error budget burnt' }))
  hanging = await rl.receiver(() => undefined)
  redirecting = await rl.receiver((_req, res) => {
    res.writeHead(302, { location: `${ok.url}/elsewhere` })
    res.end()
  })
})

const weightsOf = (id: string) => liveWeights(rl.env(), id)

describe('webhook gate', () => {
  it('a 2xx answer passes: the rollout completes, and the receiver got each step as JSON', async () => {
    const id = await rl.actor()
    const before = ok.received.length
    const r = await lattice(
      [
        'rollout',
        'actor',
        id,
        '--from',
        'v1',
        '--to',
        'v2',
        '--steps',
        '50,100',
        '--interval',
        '200ms',
        '--gate-webhook',
        `${ok.url}/gate`,
      ],
      rl.env(),
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/step 1\/2: webhook gate passed: http:\/\/127\.0\.0\.1:\d+: 200: dashboards green/)
    expect(r.stdout).toMatch(/completed/)
    expect(await weightsOf(id)).toEqual({ v2: 100 })
    const calls = ok.received.slice(before)
    expect(calls).toHaveLength(2)
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/gate' })
    expect(calls[0].headers['content-type']).toBe('application/json')
    expect(calls[0].headers.authorization).toBeUndefined()
    // The step's facts may grow (StepFacts); these are there now.
    expect(JSON.parse(calls[0].body)).toMatchObject({
      entity: { kind: 'actor', id },
      lattice: 'default',
      from: 'v1',
      to: 'v2',
      step: 1,
      steps: 2,
      weight: 50,
    })
    expect(JSON.parse(calls[1].body)).toMatchObject({ step: 2, steps: 2, weight: 100 })
  })

  it('the record and the history keep only the origin of each URL and no gate command (a webhook path or ?token= is a secret)', async () => {
    const id = await rl.actor()
    const secretUrl = `${ok.url}/hooks/T0/s3cretPath?token=abc`
    const r = await lattice(
      [
        'rollout',
        'actor',
        id,
        '--from',
        'v1',
        '--to',
        'v2',
        '--steps',
        '100',
        '--interval',
        '100ms',
        '--gate-webhook',
        secretUrl,
        '--notify',
        secretUrl,
        '--gate-cmd',
        'test s3cret = s3cret',
      ],
      rl.env(),
    )
    expect(r.code, r.stderr).toBe(0)
    const status = await lattice(['rollout', 'status', id, '--json'], rl.env())
    const history = await lattice(['history', '--json'], rl.env())
    for (const out of [status.stdout, history.stdout]) {
      expect(out).not.toMatch(/s3cret|token=/)
    }
    const plan = json<{ plan: { webhooks: { url: string }[]; notify: string[]; gateCmd: string } }>(status).plan
    expect(plan).toMatchObject({ webhooks: [{ url: ok.url }], notify: [ok.url], gateCmd: '(a command: not recorded)' })
    expect(ok.received.at(-1)?.url).toBe('/hooks/T0/s3cretPath?token=abc') // the runner used the whole URL
  })

  it("a 500 rolls back (exit 10), with the receiver's message in the output", async () => {
    const id = await rl.actor()
    const r = await lattice(
      [
        'rollout',
        'actor',
        id,
        '--from',
        'v1',
        '--to',
        'v2',
        '--steps',
        '30,100',
        '--interval',
        '200ms',
        '--gate-webhook',
        ok.url,
        '--gate-webhook',
        failing.url,
      ],
      rl.env(),
    )
    expect(r.code, r.stderr).toBe(ExitCode.ROLLED_BACK)
    expect(r.stdout).toMatch(/step 1\/2: webhook gate passed/)
    expect(r.stdout).toMatch(/step 1\/2: webhook gate FAILED: http:\/\/127\.0\.0\.1:\d+: 500: error budget burnt/)
    expect(r.stdout).toMatch(/ROLLED BACK to the stable weights: the webhook gate failed at step 1/)
    expect(r.stdout).not.toMatch(/set weight 100%/)
    expect(await weightsOf(id)).toEqual({ v1: 100 })
  })

  it('a redirect is a failure, and says so', async () => {
    const id = await rl.actor()
    const r = await lattice(
      [
        'rollout',
        'actor',
        id,
        '--from',
        'v1',
        '--to',
        'v2',
        '--steps',
        '100',
        '--interval',
        '100ms',
        '--gate-webhook',
        redirecting.url,
        '--json',
      ],
      rl.env(),
    )
    expect(r.code, r.stderr).toBe(ExitCode.ROLLED_BACK)
    const gate = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type?: string; gate?: { pass: boolean; detail: string } })
      .find((e) => e.type === 'gate')
    expect(gate?.gate).toMatchObject({
      pass: false,
      detail: expect.stringMatching(
        /redirected \(302 to http:\/\/127\.0\.0\.1:\d+\); lattice does not follow redirects/,
      ),
    })
    expect(await weightsOf(id)).toEqual({ v1: 100 })
  })

  it('a receiver that never answers fails the gate at --webhook-timeout', async () => {
    const id = await rl.actor()
    const r = await lattice(
      [
        'rollout',
        'actor',
        id,
        '--from',
        'v1',
        '--to',
        'v2',
        '--steps',
        '100',
        '--interval',
        '100ms',
        '--gate-webhook',
        hanging.url,
        '--webhook-timeout',
        '1s',
      ],
      rl.env(),
    )
    expect(r.code, r.stderr).toBe(ExitCode.ROLLED_BACK)
    expect(r.stdout).toMatch(/webhook gate FAILED: http:\/\/127\.0\.0\.1:\d+: no answer within 1 s/)
    expect(await weightsOf(id)).toEqual({ v1: 100 })
  })

  it('`lattice rollout abort` cuts a hanging webhook short: the request is dropped and no further step is pushed', async () => {
    const id = await rl.actor()
    const before = hanging.received.length
    const runner = rl.background([
      'rollout',
      'actor',
      id,
      '--from',
      'v1',
      '--to',
      'v2',
      '--steps',
      '10,100',
      '--interval',
      '100ms',
      '--gate-webhook',
      hanging.url,
      '--webhook-timeout',
      '10m',
    ])
    await hanging.waitFor(before + 1)
    const abort = await lattice(['rollout', 'abort', id], rl.env())
    expect(abort.code, abort.stderr).toBe(0)
    expect((await runner.done).code, runner.output()).toBe(ExitCode.ROLLED_BACK)
    expect(runner.output()).toMatch(/ROLLED BACK to the stable weights: aborted by/)
    expect(runner.output()).not.toMatch(/set weight 100%/)
    // The receiver sees the connection drop (an event of its own, shortly after).
    const seen = Date.now() + 5000
    while (!hanging.received[before].cutShort && Date.now() < seen) await new Promise((r) => setTimeout(r, 50))
    expect(hanging.received[before].cutShort).toBe(true)
    expect(await weightsOf(id)).toEqual({ v1: 100 })
  })

  it('a spec rollout takes webhook gates (a URL, or { url, timeout })', async () => {
    const id = await rl.actor()
    const file = join(rl.l.dir, `webhook-${id.slice(0, 8)}.yaml`)
    writeFileSync(
      file,
      `rollouts:\n  - actor: ${id}\n    from: v1\n    to: v2\n    steps: [100]\n    interval: 100ms\n    gates:\n      webhook:\n        - ${ok.url}/spec\n        - { url: ${failing.url}/spec, timeout: 5s }\n`,
    )
    const r = await lattice(['rollout', '-f', file], rl.env())
    expect(r.code, r.stderr).toBe(ExitCode.ROLLED_BACK)
    expect(r.stdout).toMatch(/webhook gate passed: .*dashboards green[\s\S]*webhook gate FAILED: .*error budget burnt/)
    expect(ok.received.at(-1)?.url).toBe('/spec')
  })

  it('refuses webhook URLs that are not http(s) or carry credentials, naming the flag or the spec line', async () => {
    const id = await rl.actor()
    const ftp = await lattice(
      ['rollout', 'actor', id, '--from', 'v1', '--to', 'v2', '--gate-webhook', 'ftp://example.com/x'],
      rl.env(),
    )
    expect(ftp.code).toBe(ExitCode.INVALID_INPUT)
    expect(ftp.stderr).toMatch(/INVALID_ROLLOUT.*--gate-webhook "ftp:\/\/example.com\/x" is not an http or https URL/)
    const creds = await lattice(
      ['rollout', 'actor', id, '--from', 'v1', '--to', 'v2', '--gate-webhook', 'https://user:pw@example.com/x'],
      rl.env(),
    )
    expect(creds.code).toBe(ExitCode.INVALID_INPUT)
    expect(creds.stderr).toMatch(/--gate-webhook carries a user name or password/)
    expect(creds.stderr).not.toMatch(/pw@/)
    const file = join(rl.l.dir, 'bad-webhook.yaml')
    writeFileSync(file, `rollouts:\n  - actor: ${id}\n    from: v1\n    to: v2\n    gates:\n      webhook: not a url\n`)
    const spec = await lattice(['rollout', '-f', file], rl.env())
    expect(spec.code).toBe(ExitCode.INVALID_INPUT)
    expect(spec.stderr).toMatch(/bad-webhook\.yaml:6:\d+.*webhook "not a url" is not a URL/)
    expect(await weightsOf(id)).toEqual({ v1: 100 })
  })
})
