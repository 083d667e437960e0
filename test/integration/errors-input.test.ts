/** Bad input (weights, IDs, versions, names, accounts, usage) is refused before anything is pushed, with a clear message, a stable exit code and no secrets. */
import { createAccount } from 'nkeys.js'
import { describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId, newProviderId } from '../helpers/ids.js'
import { useRefusals } from '../helpers/refusals.js'

const { t, refused, actor, shiftArgs } = useRefusals()

describe('input checks', () => {
  it.each(['101', '-5', '30.5', 'thirty'])('weight %s', async (w) => {
    await refused(shiftArgs({ weight: w }), t.env(), ExitCode.INVALID_INPUT, 'INVALID_WEIGHT', /weight/i)
  })
  it('actor ID with a bad checksum', async () => {
    const bad = actor.slice(0, 20) + (actor[20] === 'A' ? 'B' : 'A') + actor.slice(21)
    await refused(shiftArgs({ id: bad }), t.env(), ExitCode.INVALID_INPUT, 'INVALID_ACTOR_ID', /checksum/)
  })
  it('a provider key where an actor is expected, and the other way round', async () => {
    await refused(
      shiftArgs({ id: newProviderId() }),
      t.env(),
      ExitCode.INVALID_INPUT,
      'INVALID_ACTOR_ID',
      /start with "M"/,
    )
    await refused(
      ['shift', 'provider', actor, '--from', 'a', '--to', 'b', '--weight', '5'],
      t.env(),
      ExitCode.INVALID_INPUT,
      'INVALID_PROVIDER_ID',
      /start with "V"/,
    )
  })
  it('versions: empty, whitespace, too long', async () => {
    await refused(shiftArgs({ to: '' }), t.env(), ExitCode.INVALID_INPUT, 'INVALID_VERSION', /empty/)
    await refused(shiftArgs({ to: 'v 2' }), t.env(), ExitCode.INVALID_INPUT, 'INVALID_VERSION', /whitespace/)
    await refused(shiftArgs({ from: 'x'.repeat(129) }), t.env(), ExitCode.INVALID_INPUT, 'INVALID_VERSION', /128 bytes/)
  })
  it('lattice and link names that are not one token', async () => {
    await refused(
      [...shiftArgs(), '--lattice', 'a.b'],
      t.env(),
      ExitCode.INVALID_INPUT,
      'INVALID_TOKEN',
      /lattice name/,
    )
    await refused(
      ['shift', 'provider', newProviderId(), '--link', '>', '--from', 'a', '--to', 'b', '--weight', '5'],
      t.env(),
      ExitCode.INVALID_INPUT,
      'INVALID_TOKEN',
      /link name ">": it is the wildcard ">"/,
    )
  })
  it('lattice and link names nats-server would read as a mapping function or a wildcard reference', async () => {
    await refused(
      [
        'shift',
        'provider',
        newProviderId(),
        '--link',
        '{{foo()}}',
        '--from',
        'a',
        '--to',
        'b',
        '--weight',
        '5',
        '--force',
      ],
      t.env(),
      ExitCode.INVALID_INPUT,
      'INVALID_TOKEN',
      /link name "\{\{foo\(\)\}\}": nats-server reads a token "\{\{\.\.\.\}\}" in a mapping destination as a mapping function/,
    )
    await refused(
      [...shiftArgs(), '--lattice', '$1'],
      t.env(),
      ExitCode.INVALID_INPUT,
      'INVALID_TOKEN',
      /lattice name "\$1": nats-server reads "\$1" in a mapping destination as a wildcard reference/,
    )
  })
  it('"*" or ">" inside a name is a literal to NATS and is accepted; a "." in a cluster name too', async () => {
    const provider = newProviderId()
    const ok = await lattice(
      [
        'shift',
        'provider',
        provider,
        '--link',
        'a*b',
        '--lattice',
        'lab>1',
        '--from',
        'v1',
        '--to',
        'v2',
        '--weight',
        '30',
        '--force',
      ],
      t.env(),
    )
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/n1: jwt updated/)
    const st = json<{ routes: { id: string; link: string; subject: string }[] }>(
      await lattice(['status', '--lattice', 'lab>1', '--json'], t.env()),
    )
    expect(st.routes.map((r) => [r.id, r.link, r.subject])).toEqual([
      [provider, 'a*b', `wasmbus.rpc.lab>1.${provider}.a*b`],
    ])
    // Past the name check: this server has no cluster of that name.
    await refused(
      [...shiftArgs(), '--cluster', 'eu.west'],
      t.env(),
      ExitCode.INVALID_INPUT,
      'UNKNOWN_CLUSTER',
      /"eu\.west"/,
    )
    await refused(
      [...shiftArgs(), '--cluster', 'eu west'],
      t.env(),
      ExitCode.INVALID_INPUT,
      'INVALID_TOKEN',
      /cluster name "eu west": it contains whitespace \(nats-server cluster names cannot\)/,
    )
  })
  it('a shift with nowhere to put the remainder', async () => {
    await refused(
      ['shift', 'actor', newActorId(), '--to', 'v2', '--weight', '30'],
      t.env(),
      ExitCode.INVALID_INPUT,
      'MISSING_FROM',
      /--from/,
    )
  })
  it('missing or invalid account', async () => {
    await refused(
      shiftArgs(),
      { ...t.env(), LATTICE_ACCOUNT: undefined },
      ExitCode.INVALID_INPUT,
      'MISSING_ACCOUNT',
      /--account/,
    )
    await refused(
      shiftArgs(),
      { ...t.env(), LATTICE_ACCOUNT: 'ACCOUNT' },
      ExitCode.INVALID_INPUT,
      'INVALID_ACCOUNT_ID',
      /account/,
    )
    await refused(
      shiftArgs(),
      { ...t.env(), LATTICE_ACCOUNT: createAccount().getPublicKey() },
      ExitCode.LIVE_STATE,
      'ACCOUNT_NOT_FOUND',
      /no JWT/,
    )
  })
})

describe('usage errors', () => {
  it('missing required flags exit 2, in lattice style with the help to read', async () => {
    const r = await lattice(['shift', 'actor', '--force', actor, '--to', 'v2'], t.env())
    expect(r.code).toBe(ExitCode.USAGE)
    expect(r.stderr).toMatch(
      /^Error \[USAGE\]: Missing required flag weight\n {2}`lattice shift actor --help` lists its arguments and flags/,
    )
  })
  it('--from equal to --to is refused before connecting', async () => {
    await refused(
      [...shiftArgs({ from: 'v2' }), '--server', 'nats://127.0.0.1:1'],
      t.env(),
      ExitCode.INVALID_INPUT,
      'INVALID_SHIFT',
      /both "v2"/,
    )
  })
})
