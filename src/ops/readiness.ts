/**
 * The readiness gate: never give weight to a version nothing serves. Before a change, every
 * version that would get weight > 0 must have at least one subscriber on its versioned
 * subject somewhere in the cluster ($SYS.REQ.SERVER.PING.SUBSZ; each server counts its own
 * clients, so the sum is exact). A component's version V is served when a subscription's
 * subject starts with `{lattice}.{V}.wrpc.` (a wasmCloud host subscribes each function).
 * A refusal names what does run, so a typo (`V2`) and a wrong account or lattice tell apart.
 */
import { LatticeError } from '../errors.js'
import type { Subscriber } from '../resolver/subscriptions.js'
import { entityLabel, servesVersion, versionedSubject } from '../subjects/index.js'
import { didYouMean } from '../suggest.js'
import type { EntityChange } from './change-types.js'
import { runningVersions } from './running.js'

export interface UnreadyVersion {
  entity: string
  version: string
  subject: string
  /** The versions of the entity that do run (for a component: every component ID), with their instances. */
  running: Record<string, number>
  /** Running versions the version was probably meant to be (same but for case, or a typo away). */
  didYouMean: string[]
}

/** Where the gate looked: the account (and its name from its JWT) and the lattice. */
export interface Place {
  account: string
  accountName?: string
  lattice: string
}

/** Versions the change gives weight to that no instance subscribes to. */
export function unreadyVersions(
  lattice: string,
  changes: EntityChange[],
  subscriptions: Subscriber[],
): UnreadyVersion[] {
  const wanted = changes.flatMap((c) => {
    const versions = new Set(
      [c.after ?? {}, ...Object.values(c.clusters?.after ?? {})].flatMap((w) =>
        Object.entries(w)
          .filter(([, x]) => x > 0)
          .map(([v]) => v),
      ),
    )
    return [...versions].map((version) => ({ entity: c.entity, version }))
  })
  if (wanted.length === 0) return []
  const subscribed = [...new Set(subscriptions.map((s) => s.subject))]
  return wanted
    .filter((w) => !subscribed.some((subject) => servesVersion(lattice, w.entity, w.version, subject)))
    .map((w) => {
      const running = runningVersions(lattice, w.entity, subscriptions)
      return {
        entity: entityLabel(w.entity),
        version: w.version,
        subject: versionedSubject(lattice, w.entity, w.version),
        running,
        didYouMean: didYouMean(w.version, Object.keys(running)),
      }
    })
}

const instances = (n: number) => `${n} instance${n === 1 ? '' : 's'}`

/** What runs of one entity, as a sentence ("v1 (2 instances), v2 (1 instance)"). */
export function describeRunning(running: Record<string, number>): string {
  return Object.entries(running)
    .map(([v, n]) => `${v} (${instances(n)})`)
    .join(', ')
}

export function notReadyError(unready: UnreadyVersion[], place: Place): LatticeError {
  const account = `account ${place.account}${place.accountName ? ` ("${place.accountName}")` : ''}`
  const where = `lattice ${place.lattice} of ${account}`
  // One sentence per entity (two unready versions of one entity share what runs there).
  const byEntity = [...new Map(unready.map((u) => [u.entity, u])).values()]
  const versionsOf = (entity: string) => {
    const versions = unready.filter((u) => u.entity === entity).map((u) => u.version)
    return `${entity} version${versions.length === 1 ? '' : 's'} ${versions.join(', ')}`
  }
  const lines = byEntity.map((u) => {
    const component = u.entity.startsWith('component ')
    const runs =
      Object.keys(u.running).length === 0
        ? `No ${component ? 'component' : `version of ${u.entity}`} runs there.`
        : `${component ? 'Components running there' : `Running there of ${u.entity}`}: ${describeRunning(u.running)}.`
    const guesses = unready
      .filter((x) => x.entity === u.entity && x.didYouMean.length > 0)
      .map((x) => x.didYouMean.join(' or '))
    return guesses.length > 0 ? `${runs} Did you mean ${guesses.join(', ')}?` : runs
  })
  const idle = byEntity.filter((u) => Object.keys(u.running).length === 0).map((u) => u.entity)
  const guesses = unready.filter((u) => u.didYouMean.length > 0)
  const start = unready.some((u) => u.entity.startsWith('component '))
    ? 'Deploy that component ID first (e.g. with wadm) and wait until its hosts subscribe'
    : 'Start instances of that version first (host-core subscribes them)'
  const hint = [
    guesses.length > 0
      ? `Check the version's spelling (${guesses.map((u) => `${u.version} -> ${u.didYouMean[0]}`).join(', ')}).`
      : '',
    idle.length > 0
      ? `Nothing of ${idle.join(', ')} runs in ${where}: check --account (LATTICE_ACCOUNT) and --lattice, or \`lattice status\` for what runs there.`
      : '',
    `${start}, or pass --force to route to it anyway.`,
  ]
    .filter(Boolean)
    .join(' ')
  return new LatticeError(
    'VERSION_NOT_READY',
    `Nothing subscribes to ${byEntity.map((u) => versionsOf(u.entity)).join('; ')} in ${where}: traffic sent there would get "no responders". ${lines.join(' ')}`,
    {
      hint,
      details: {
        unready,
        account: place.account,
        ...(place.accountName ? { accountName: place.accountName } : {}),
        lattice: place.lattice,
      },
    },
  )
}
