/**
 * Rollouts and specs of wasmCloud 1.x components (wRPC) against fake hosts (see
 * components.test.ts): a rollout's gates, probes and analysis, rollout promote and abort, blue/green
 * environments of component IDs. Needs nats-server 2.9.22+ (`>` destinations): skipped on an
 * older server, whose refusal components.test.ts checks.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { type CliRun, background, json, lattice } from '../helpers/cli.js'
import { useFakeComponents } from '../helpers/fake-components.js'
import { liveJwt } from '../helpers/live.js'
import { serverVersion } from '../helpers/server-version.js'
import { skipIf, skips } from '../helpers/skips.js'

const { t, conns, served, callMany, resetServed, otherFields } = useFakeComponents()

describe(
  `components (wRPC) rollouts and specs on nats-server ${serverVersion()}`,
  skipIf(skips.serverOlderThan('2.9.22')),
  () => {
    let others: unknown
    beforeAll(async () => {
      others = await otherFields()
      // Where components.test.ts leaves it: every call to hello goes to hello-v2.
      const r = await lattice(['shift', 'component', 'hello', '--to', 'hello-v2', '--weight', '100'], t.l.env())
      expect(r.code, r.stderr).toBe(0)
    })

    it('a rollout with a failing gate is rolled back; probes are skipped and said so; --analysis finds no metrics', async () => {
      const env = { ...t.l.env(), LATTICE_STATE_CREDS: t.l.appCredsFile, LATTICE_APP_CREDS: t.l.appCredsFile }
      const r = await lattice(
        [
          'rollout',
          'component',
          'hello',
          '--from',
          'hello-v2',
          '--to',
          'hello',
          '--steps',
          '20,100',
          '--interval',
          '300ms',
          '--probe-payload',
          'ping',
          '--gate-cmd',
          'test "$LATTICE_ROLLOUT_KIND $LATTICE_ROLLOUT_TO" = "component hello-v9"',
          '--json',
        ],
        env,
      )
      expect(r.code, r.stderr).toBe(ExitCode.ROLLED_BACK)
      const events = r.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type?: string; message?: string; gate?: { gate: string; pass: boolean } })
      expect(events.map((e) => e.type ?? 'error')).toEqual(['started', 'step', 'gate', 'rolled-back', 'error'])
      expect(events[0].message).toContain(
        'probes: not available for components (wRPC); gates: --gate-cmd/--gate-webhook/--gate-prometheus',
      )
      expect(events[0].message).toMatch(/analysis off: no host reports metrics for component hello/)
      expect(events[2].gate).toMatchObject({ gate: 'command', pass: false })
      const s = json<{ routes: { id: string; weights: unknown }[] }>(await lattice(['status', '--json'], t.l.env()))
      expect(s.routes.find((x) => x.id === 'hello')?.weights).toEqual({ 'hello-v2': 100 })

      const before = await liveJwt(t.l)
      const bare = await lattice(
        [
          'rollout',
          'component',
          'hello',
          '--from',
          'hello-v2',
          '--to',
          'hello',
          '--steps',
          '100',
          '--interval',
          '100ms',
          '--analysis',
          '--json',
        ],
        env,
      )
      expect(bare.code).toBe(8)
      expect(
        json<{ error: { code: string } }>({ ...bare, stdout: bare.stdout.trim().split('\n').at(-1) ?? '' }).error.code,
      ).toBe('NO_METRICS')
      expect(await liveJwt(t.l)).toBe(before)

      const ok = await lattice(
        [
          'rollout',
          'component',
          'hello',
          '--from',
          'hello-v2',
          '--to',
          'hello',
          '--steps',
          '100',
          '--interval',
          '100ms',
          '--json',
        ],
        env,
      )
      expect(ok.code, ok.stderr).toBe(0)
      expect(ok.stdout).toContain('WARNING: no gate set, only the observed weight is checked')
      const after = json<{ routes: { id: string; weights: unknown }[] }>(await lattice(['status', '--json'], t.l.env()))
      expect(after.routes.find((x) => x.id === 'hello')?.weights).toEqual({ hello: 100 })
    })

    it('a spec with blue/green environments of component IDs: apply, then swap blue green', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'lattice-components-')), 'lattice.yaml')
      writeFileSync(
        file,
        'environments:\n  blue:\n    components: { hello: hello }\n  green:\n    components: { hello: hello-v2 }\nlive: blue\n',
      )
      const stateEnv = { ...t.l.env(), LATTICE_STATE_CREDS: t.l.appCredsFile }
      const a = await lattice(['apply', '-f', file], stateEnv)
      expect(a.code, a.stderr).toBe(0)
      const s = await lattice(['swap', 'blue', 'green', '-f', file], stateEnv)
      expect(s.code, s.stderr).toBe(0)
      expect(readFileSync(file, 'utf8')).toContain('live: green')
      resetServed()
      expect(await callMany(conns[2], 'hello', 300)).toEqual({ ok: 300, noResponders: 0 })
      expect(served).toEqual({ hello: 0, 'hello-v2': 300 })
      const subjects = json<{ subject: string }[]>(
        await lattice(['env', 'subjects', 'blue', '-f', file, '--json'], t.l.env()),
      )
      expect(JSON.stringify(subjects)).toContain('default.hello.wrpc.>')
    })

    it('a spec rollout of a component pauses for `rollout promote`; `rollout abort` restores the stable weights', async () => {
      const env = { ...t.l.env(), LATTICE_STATE_CREDS: t.l.appCredsFile, LATTICE_APP_CREDS: t.l.appCredsFile }
      const weights = async () =>
        json<{ routes: { id: string; weights: unknown }[] }>(
          await lattice(['status', '--json'], t.l.env()),
        ).routes.find((x) => x.id === 'hello')?.weights
      const run = (args: string[]) => background(args, env)
      const until = (proc: CliRun, re: RegExp) => proc.waitFor(re, 30_000)
      const file = join(mkdtempSync(join(tmpdir(), 'lattice-components-')), 'rollouts.yaml')
      writeFileSync(
        file,
        'rollouts:\n  - component: hello\n    from: hello-v2\n    to: hello\n    steps: [50, pause, 100]\n    interval: 300ms\n    gates: { command: "true" }\n',
      )
      const paused = run(['rollout', '-f', file])
      await until(paused, /paused, waiting for `lattice rollout promote`/)
      expect(await weights()).toEqual({ 'hello-v2': 50, hello: 50 })
      expect((await lattice(['rollout', 'promote', 'hello'], env)).code).toBe(0)
      expect((await paused.done).code, paused.output()).toBe(0)
      expect(await weights()).toEqual({ hello: 100 })

      const long = run([
        'rollout',
        'component',
        'hello',
        '--from',
        'hello',
        '--to',
        'hello-v2',
        '--steps',
        '10,100',
        '--interval',
        '60s',
        '--gate-cmd',
        'true',
      ])
      await until(long, /set weight 10%/)
      expect(await weights()).toEqual({ hello: 90, 'hello-v2': 10 })
      const abort = await lattice(['rollout', 'abort', 'hello'], env)
      expect(abort.code, abort.stderr).toBe(0)
      expect((await long.done).code).toBe(ExitCode.ROLLED_BACK)
      expect(await weights()).toEqual({ hello: 100 })
    })

    it('keeps every other field of the account JWT, as the same JSON text', async () => {
      expect((others as [string, string][]).map(([k]) => k)).toEqual(expect.arrayContaining(['name', 'nats.limits']))
      expect(await otherFields()).toEqual(others)
    })
  },
)
