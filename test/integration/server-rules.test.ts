/**
 * What the server under test really does with mappings lattice's rules have an opinion on: raw
 * account JWTs (signed with the operator key) are pushed, and the push reply plus what the
 * server then runs (ACCOUNTZ) are compared with what rulesFor(<that version>) predicts.
 * Run per version by `npm run test:servers`; src/plan/server-rules.ts lists what was observed.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { readCreds } from '../../src/auth/creds-file.js'
import type { MappingDestination, Mappings } from '../../src/plan/routes.js'
import { type ProblemEffect, mappingIssues, rulesFor } from '../../src/plan/server-rules.js'
import { type Connection, openConnection } from '../../src/resolver/connection.js'
import { installedShares } from '../../src/plan/installed.js'
import { useTestLattice } from '../helpers/test-lattice.js'
import { serverVersion } from '../helpers/server-version.js'
import { mappingPusher } from '../helpers/push-mappings.js'

type Outcome = 'installed' | ProblemEffect

interface Case {
  name: string
  source: string
  /** Installed first (valid on every version), so "not installed" shows as this one kept. */
  baseline?: string
  dests: MappingDestination[]
  /** What 2.9.10, 2.10.27 and 2.15.1 did, observed; the rules must predict the same. */
  seen: { '2.9.10': Outcome; '2.10.27': Outcome; '2.15.1': Outcome }
}

const cases: Case[] = [
  {
    name: 'a plain 70/30 split (control)',
    source: 't.ok',
    baseline: 't.ok.base',
    dests: [
      { subject: 't.ok.v1', weight: 70 },
      { subject: 't.ok.v2', weight: 30 },
    ],
    seen: { '2.9.10': 'installed', '2.10.27': 'installed', '2.15.1': 'installed' },
  },
  {
    name: 'a > wildcard destination',
    source: 't.fwc.>',
    dests: [{ subject: 't.fwc.v2.>', weight: 100 }],
    seen: { '2.9.10': 'rejected', '2.10.27': 'installed', '2.15.1': 'installed' },
  },
  {
    name: 'a * wildcard destination',
    source: 't.pwc.*',
    baseline: 't.pwc.base.{{wildcard(1)}}',
    dests: [{ subject: 't.pwc.v2.*', weight: 100 }],
    seen: { '2.9.10': 'rejected', '2.10.27': 'not installed', '2.15.1': 'rejected' },
  },
  {
    name: 'west 100% v1 + east 100% v2',
    source: 't.clu',
    baseline: 't.clu.base',
    dests: [
      { subject: 't.clu.v1', weight: 100, cluster: 'west' },
      { subject: 't.clu.v2', weight: 100, cluster: 'east' },
    ],
    seen: { '2.9.10': 'rejected', '2.10.27': 'installed', '2.15.1': 'installed' },
  },
  {
    name: 'weights over 100',
    source: 't.over',
    baseline: 't.over.base',
    dests: [
      { subject: 't.over.v1', weight: 60 },
      { subject: 't.over.v2', weight: 50 },
    ],
    seen: { '2.9.10': 'rejected', '2.10.27': 'rejected', '2.15.1': 'rejected' },
  },
  {
    name: 'a duplicate destination',
    source: 't.dup',
    baseline: 't.dup.base',
    dests: [
      { subject: 't.dup.v1', weight: 50 },
      { subject: 't.dup.v1', weight: 50, cluster: 'west' },
    ],
    seen: { '2.9.10': 'not installed', '2.10.27': 'not installed', '2.15.1': 'rejected' },
  },
  {
    name: '{{left()}}, known from 2.15',
    source: 't.left.*',
    baseline: 't.left.base.{{wildcard(1)}}',
    dests: [{ subject: 't.left.{{left(1,2)}}', weight: 100 }],
    seen: { '2.9.10': 'not installed', '2.10.27': 'not installed', '2.15.1': 'installed' },
  },
  {
    name: '{{random()}}, known from 2.12',
    source: 't.rnd.*',
    baseline: 't.rnd.base.{{wildcard(1)}}',
    dests: [{ subject: 't.rnd.{{random(3)}}', weight: 100 }],
    seen: { '2.9.10': 'not installed', '2.10.27': 'not installed', '2.15.1': 'installed' },
  },
  {
    name: 'an unknown {{function()}}',
    source: 't.fn.*',
    baseline: 't.fn.base.{{wildcard(1)}}',
    dests: [{ subject: 't.fn.{{nosuch(1)}}', weight: 100 }],
    seen: { '2.9.10': 'not installed', '2.10.27': 'not installed', '2.15.1': 'rejected' },
  },
]

const t = useTestLattice()
let sys: Connection
const baselines: Mappings = Object.fromEntries(
  cases.filter((c) => c.baseline).map((c) => [c.source, [{ subject: c.baseline as string, weight: 100 }]]),
)

beforeAll(async () => {
  sys = await openConnection({ servers: t.l.url, creds: readCreds(t.l.sysCredsFile) })
  t.track('conn', () => sys.close())
  // The server installs mappings only for an account in use: keep one client of it connected.
  await t.connect()
})

const push = mappingPusher(
  () => t.l,
  () => sys,
)

/** The destinations a server runs for `source`, as "subject@cluster" keys (the auto-added remainder on the source left out). */
function running(
  installed: Record<string, { subject: string; weight?: number; cluster?: string }[]>,
  source: string,
): string[] {
  return installedShares(installed[source] ?? [])
    .map((d) => (d.cluster ? `${d.subject}@${d.cluster}` : d.subject))
    .filter((k) => k !== source)
    .sort()
}
const keys = (dests: MappingDestination[]) =>
  dests.map((d) => (d.cluster ? `${d.subject}@${d.cluster}` : d.subject)).sort()

describe(`mapping rules on nats-server ${serverVersion()}`, () => {
  it('the baseline mappings are installed', async () => {
    const { reply, installed } = await push(baselines)
    expect(reply, reply.message).toMatchObject({ ok: true, code: 200 })
    for (const [source, dests] of Object.entries(baselines))
      expect(running(installed, source), source).toEqual(keys(dests))
  })

  for (const c of cases) {
    it(`${c.name}: what the server does is what rulesFor(${serverVersion()}) predicts`, async () => {
      const before = await push(baselines)
      expect(before.reply.ok).toBe(true)
      const { reply, installed } = await push({ ...baselines, [c.source]: c.dests })
      const now = running(installed, c.source)
      let observed: Outcome
      if (!reply.ok) {
        observed = 'rejected'
        expect(reply.code).toBe(500)
      } else if (now.join() === keys(c.dests).join()) observed = 'installed'
      else {
        observed = 'not installed'
        // The server keeps running what it had for that source.
        expect(now).toEqual(running(before.installed, c.source))
      }
      const issues = mappingIssues({ [c.source]: c.dests }, rulesFor(serverVersion()))
      const predicted: Outcome = issues.some((i) => i.effect === 'rejected')
        ? 'rejected'
        : issues.length > 0
          ? 'not installed'
          : 'installed'
      expect(
        observed,
        `observed (${reply.code} ${reply.message}); rules said: ${issues.map((i) => i.text).join('; ') || 'fine'}`,
      ).toBe(predicted)
      // On a version observed before, the same as then (guards the observation itself).
      const seen = c.seen[serverVersion() as keyof Case['seen']]
      if (seen) expect(observed).toBe(seen)
    })
  }
})
