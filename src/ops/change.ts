/**
 * The one way lattice changes live routing: read the live account JWT, verify it, compute
 * the new routes, sign a successor that differs only in our mappings, push it to every
 * resolver, and read it back.
 */
import { type AccountClaims, signSuccessor, verifyAccountJwt, withRouteChanges } from '../account/account.js'
import { LatticeError, isLatticeError } from '../errors.js'
import { type Mappings, type Route, type RouteChange, destinationsFor, routeIndex, routesFromMappings } from '../plan/routes.js'
import { type Weights, sameWeights } from '../plan/weights.js'
import { type ServerReply, lookupAccountJwt, pushAccountJwt } from '../resolver/claims.js'
import { type ServerFacts, assertTrustedIssuer, fetchServerFacts } from '../resolver/server-info.js'
import { type EntityRef, entityKey, entityLabel, unversionedSubject } from '../subjects/index.js'
import type { Session } from './session.js'

export interface EntityChange {
  entity: EntityRef
  subject: string
  before: Weights | null
  after: Weights | null
  /** Fault injection: percent dropped before and after (present only when either is non-zero). */
  drop?: { before: number; after: number }
}

export interface ChangeResult {
  account: string
  lattice: string
  changes: EntityChange[]
  dryRun: boolean
  pushed: boolean
  /** Each server's answer to the push. */
  servers: ServerReply[]
  /** The pushed JWT was read back from the resolver with our mappings in it. */
  confirmed: boolean
  /** The mappings for the changed subjects as written (or as they would be, on a dry run). */
  mappings: Mappings
  /** iat of the JWT pushed. */
  issuedAt?: number
  warnings: string[]
}

export type Planner = (routes: Map<string, Route>) => RouteChange[]

export interface LiveState {
  jwt: string
  claims: AccountClaims
  facts: ServerFacts
  /** Things the user should know that do not stop the command. */
  warnings: string[]
}

/** The live account JWT, verified, and the facts of the server that answered. */
export async function loadLiveAccount(session: Session): Promise<LiveState> {
  const [lookup, facts] = await Promise.allSettled([lookupAccountJwt(session.conn, session.account), fetchServerFacts(session.conn)])
  if (facts.status === 'rejected') throw facts.reason
  // A full resolver stays silent when it does not hold the account: a lookup that times out
  // while the server answers other requests means "unknown account".
  const unknown = lookup.status === 'fulfilled' ? lookup.value === undefined : isLatticeError(lookup.reason) && lookup.reason.code === 'TIMEOUT'
  if (unknown) {
    throw new LatticeError('ACCOUNT_NOT_FOUND', `The resolver has no JWT for account ${session.account}.`, {
      hint: 'Check --account (LATTICE_ACCOUNT); the account must already be pushed to the resolver (e.g. with `nsc push`).',
    })
  }
  if (lookup.status === 'rejected') throw lookup.reason
  const live = verifyAccountJwt(lookup.value as string, session.account)
  const warnings: string[] = []
  if (facts.value.knowsTrust && !facts.value.trustedKeys.has(live.claims.iss)) {
    warnings.push(`The stored account JWT is issued by ${live.claims.iss}, which the server's operator does not trust: the server keeps using older claims. A change signed with a trusted key replaces it.`)
  }
  return { ...live, facts: facts.value, warnings }
}

export async function changeRoutes(session: Session, plan: Planner, opts: { dryRun: boolean }): Promise<ChangeResult> {
  const live = await loadLiveAccount(session)
  const routes = routeIndex(routesFromMappings(live.claims.nats.mappings, session.lattice))
  const changes = describeChanges(session.lattice, routes, plan(routes))
  const mappings: Mappings = Object.fromEntries(
    changes.filter((c) => c.after || c.drop?.after).map((c) => [c.subject, destinationsFor(session.lattice, c.entity, c.after ?? {}, c.drop?.after)]),
  )
  const result: ChangeResult = { account: session.account, lattice: session.lattice, changes, dryRun: opts.dryRun, pushed: false, servers: [], confirmed: false, mappings, warnings: live.warnings }
  if (session.signer) assertTrustedIssuer(live.facts, session.signer.getPublicKey(), 'The signing key')
  if (changes.length === 0 || opts.dryRun) return result
  if (!session.signer) throw new Error('changeRoutes needs a signer unless it is a dry run')

  const next = withRouteChanges(live.claims, session.lattice, changes.map((c) => ({ entity: c.entity, weights: c.after, drop: c.drop?.after })))
  const { jwt, iat } = signSuccessor(next, live.claims, session.signer)
  result.issuedAt = iat
  result.servers = await pushAccountJwt(session.conn, jwt)
  result.pushed = true
  const rejected = result.servers.filter((s) => !s.ok)
  if (rejected.length > 0) {
    throw new LatticeError('PUSH_REJECTED', `The account JWT was rejected by ${rejected.map((s) => `${s.server} (${s.message})`).join(', ')}.`, {
      hint: rejected.length < result.servers.length ? 'Other servers accepted it; fix the cause and run the command again to bring all servers in line.' : 'Nothing changed; fix the cause the server gave.',
      details: { servers: result.servers },
    })
  }
  result.confirmed = await confirmLive(session, jwt, result)
  return result
}

function describeChanges(lattice: string, routes: Map<string, Route>, wanted: RouteChange[]): EntityChange[] {
  const out: EntityChange[] = []
  for (const change of wanted) {
    const route = routes.get(entityKey(change.entity))
    if (route?.foreign) {
      throw new LatticeError('UNSUPPORTED_MAPPING', `The live mapping of ${entityLabel(change.entity)} has destinations lattice did not write: ${route.foreign.map((d) => d.subject).join(', ')}.`, {
        hint: `Remove or fix the mapping for ${route.subject} by hand (e.g. with nsc), then run lattice again.`,
      })
    }
    const before = route && Object.keys(route.weights).length > 0 ? route.weights : null
    const after = change.weights && Object.keys(change.weights).length > 0 ? change.weights : null
    const drop = { before: route?.drop ?? 0, after: change.drop ?? 0 }
    if (sameWeights(before ?? undefined, after ?? undefined) && drop.before === drop.after) continue
    out.push({ entity: change.entity, subject: unversionedSubject(lattice, change.entity), before, after, ...(drop.before || drop.after ? { drop } : {}) })
  }
  return out
}

/** Read the JWT back: ours, or a later one that still carries our mappings. */
async function confirmLive(session: Session, pushed: string, result: ChangeResult): Promise<boolean> {
  const notConfirmed = (why: string) =>
    new LatticeError('NOT_CONFIRMED', `The servers acknowledged the new JWT, but ${why}.`, {
      hint: 'Run `lattice status` to see what is live, then retry if needed.',
      details: { servers: result.servers },
    })
  let back: string | undefined
  try {
    back = await lookupAccountJwt(session.conn, session.account)
  } catch (e) {
    throw notConfirmed(`reading it back failed (${(e as Error).message})`)
  }
  if (back === pushed) return true
  const readBack = back ? verifyAccountJwt(back, session.account).claims.nats.mappings ?? {} : {}
  const same = result.changes.every((c) => JSON.stringify(readBack[c.subject]) === JSON.stringify(result.mappings[c.subject]))
  if (!same) throw notConfirmed('reading it back shows different mappings (another writer may have changed the account at the same moment)')
  return true
}
