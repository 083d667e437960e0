/**
 * The errors tests' setup: a test lattice, the secrets no output may show, and `refused`, which
 * runs a command and checks the promises of every refusal.
 */
import { readFileSync } from 'node:fs'
import { beforeAll, expect } from 'vitest'
import { type CliResult, json, lattice } from './cli.js'
import { newActorId } from './ids.js'
import { liveJwt } from './live.js'
import { useTestLattice } from './test-lattice.js'

export function useRefusals() {
  const t = useTestLattice()
  const secrets: string[] = []
  beforeAll(() => {
    for (const f of [t.l.operatorSeedFile, t.l.signingKeySeedFile]) secrets.push(readFileSync(f, 'utf8').trim())
    for (const f of [t.l.sysCredsFile, t.l.appCredsFile])
      secrets.push(readFileSync(f, 'utf8').match(/SU[A-Z2-7]{56}/)![0])
  })

  /** Run, and check the common promises of every refusal. */
  async function refused(
    args: string[],
    env: Record<string, string | undefined>,
    exit: number,
    code: string,
    message: RegExp,
  ): Promise<CliResult> {
    const before = await liveJwt(t.l)
    const r = await lattice(args, env)
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(exit)
    expect(r.stderr).toMatch(new RegExp(`Error \\[${code}\\]`))
    expect(r.stderr).toMatch(message)
    expect(r.stderr).not.toMatch(/\n\s+at /) // no stack trace
    for (const s of secrets) expect(r.stdout + r.stderr).not.toContain(s)
    expect(await liveJwt(t.l)).toBe(before) // nothing changed on the live system
    const j = await lattice([...args, '--json'], env)
    expect(j.code).toBe(exit)
    expect(json<{ error: { code: string } }>(j).error.code).toBe(code)
    for (const s of secrets) expect(j.stdout + j.stderr).not.toContain(s)
    return r
  }

  const actor = newActorId()
  /** A forced shift of `actor` v1 -> v2 30%, with the parts `over` gives replaced. */
  const shiftArgs = (over: Partial<Record<'id' | 'to' | 'from' | 'weight', string>> = {}) => [
    'shift',
    'actor',
    over.id ?? actor,
    '--from',
    over.from ?? 'v1',
    '--to',
    over.to ?? 'v2',
    '--weight',
    over.weight ?? '30',
    '--force',
  ]

  return { t, secrets, refused, actor, shiftArgs }
}
