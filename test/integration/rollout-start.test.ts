/**
 * A rollout whose start fails after its record is written (here the `started` event's handler
 * throws) ends that record like any other failure: the record must not stay "running".
 */
import { expect, it } from 'vitest'
import { runRollout } from '../../src/rollout/runner.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice({ state: true })

it('a start cut short after the record is written rolls back and says why, not left running', async () => {
  const actor = newActorId()
  const host = await t.host()
  for (const version of ['v1', 'v2']) await host.startActor({ id: actor, version, handler: () => version })
  expect((await lattice(['shift', 'actor', actor, '--to', 'v1', '--weight', '100'], t.env())).code).toBe(0)
  const events: string[] = []
  const record = await t.withSession((s) =>
    runRollout(
      s,
      { entity: { kind: 'actor', id: actor }, from: 'v1', to: 'v2', steps: [50, 100], intervalMs: 1000 },
      {
        change: { dryRun: false },
        onEvent: (e) => {
          events.push(e.type)
          if (e.type === 'started') throw new Error('the terminal went away')
        },
        onInterrupt: 'abort',
        interrupted: () => false,
      },
    ),
  )
  expect(record.phase).toBe('rolled-back')
  expect(record.message).toMatch(/stopped by an error: the terminal went away/)
  expect(events).toEqual(['started', 'rolled-back'])
  const status = json<{ phase: string }>(await lattice(['rollout', 'status', actor, '--json'], t.env()))
  expect(status.phase).toBe('rolled-back')
})
