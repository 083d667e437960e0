/** `lattice dev id`: a fresh, valid actor or provider ID (issue #30, item 9). */
import { describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { entityIdProblem } from '../../src/subjects/index.js'
import { json, lattice } from '../helpers/cli.js'

describe('lattice dev id', () => {
  it('prints a valid, fresh ID of the kind asked for; --json too; a component is refused (wadm names those)', async () => {
    const [a, b] = await Promise.all([lattice(['dev', 'id', 'actor']), lattice(['dev', 'id', 'actor'])])
    expect(a.code, a.stderr).toBe(0)
    const id = a.stdout.trim()
    expect(id).toMatch(/^M[A-Z2-7]{55}$/)
    expect(entityIdProblem('actor', id)).toBeUndefined()
    expect(b.stdout.trim()).not.toBe(id)
    const p = json<{ kind: string; id: string }>(await lattice(['dev', 'id', 'provider', '--json']))
    expect(p.kind).toBe('provider')
    expect(entityIdProblem('provider', p.id)).toBeUndefined()
    // The printed ID is one every command takes: a dry-run shift parses it and stops at the connection.
    const shift = await lattice([
      'shift',
      'actor',
      id,
      '--to',
      'v2',
      '--weight',
      '10',
      '--server',
      'nats://127.0.0.1:1',
      '--account',
      'A'.padEnd(56, 'A'),
    ])
    expect(shift.stderr).not.toMatch(/INVALID_ACTOR_ID/)
    const placeholder = await lattice(['shift', 'actor', 'MBXYZ...', '--to', 'v2', '--weight', '10'])
    expect(placeholder.code).toBe(ExitCode.INVALID_INPUT)
    expect(placeholder.stderr).toMatch(/lattice dev id actor/)
    const component = await lattice(['dev', 'id', 'component'])
    expect(component.code).toBe(ExitCode.USAGE)
  })
})
