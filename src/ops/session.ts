/**
 * Where a command's connection, account and signing key come from, checked before anything
 * touches the network.
 */
import type { KeyPair } from 'nkeys.js'
import { loadContext } from '../auth/context.js'
import { type NscAccount, loadNscAccount } from '../auth/nsc.js'
import { type Credentials, readCreds } from '../auth/creds-file.js'
import { SIGNING_KEY_SEED_ENV, loadSigningKey } from '../auth/signing-key.js'
import { type IssuerTrust, issuerTrust } from '../auth/operator.js'
import { signerPublicKey } from '../account/jwt.js'
import { Deadline } from '../deadline.js'
import { LatticeError, isLatticeError } from '../errors.js'
import type { Connection } from '../resolver/connection.js'
import { checkServerUrls } from '../resolver/url.js'
import { Journal } from '../state/journal.js'
import type { StateStore } from '../state/store.js'
import { DEFAULT_LATTICE, type ServiceCatalogue, publicKeyProblem, quoted } from '../subjects/index.js'
import { DEFAULT_SERVER, checkLatticeName } from './lattice-name.js'
import { systemAccountError } from './system-account.js'

export { DEFAULT_SERVER, checkLatticeName }

export interface TargetOptions {
  /** Default: the nats context's URL, else DEFAULT_SERVER. */
  server?: string
  /** A nats CLI context name (default: the selected context). */
  context?: string
  creds?: string
  signingKey?: string
  /** The operator's JWT (--operator-jwt): the issuers whose account JWT may be re-signed. */
  operatorJwt?: string
  account?: string
  /** Default: "default". */
  lattice?: string
  /** Creds of a user in an account with JetStream, for history and locking. */
  stateCreds?: string
  /** Creds of an application-account user, to observe and probe real traffic. */
  appCreds?: string
  /** Take the account and signing key from the nsc store, and write pushed JWTs back into it. */
  nsc?: boolean
  /** The nsc operator (default: the store's only one). */
  operator?: string
  /** --timeout: bounds the command (or, for long-running ones, each phase). Default: none. */
  deadline?: Deadline
  /** --without-state: if the state cannot be opened, go on without it (an emergency). */
  withoutState?: boolean
}

export interface Session {
  conn: Connection
  account: string
  lattice: string
  /** Present when the command changes things (and is not a dry run without a key). */
  signer?: KeyPair
  /** With a signer: the issuers whose live account JWT it may re-sign. */
  trust?: IssuerTrust
  /** History and locking (with --state-creds). */
  journal?: Journal
  /** An application-account connection (with --app-creds), to observe and probe traffic. */
  app?: Connection
  /** The nsc store's account (with --nsc). */
  nsc?: NscAccount
  /** Steps name themselves on it, so that running out of time says what was under way. */
  deadline: Deadline
  /** --without-state was given; `reason` when the state (asked for with --state-creds) could not be opened. */
  withoutState?: { reason?: string }
  /** The service endpoints lattice has routed: undefined until read (serviceCatalogue); a change refreshes it from each head it reads. */
  services?: ServiceCatalogue
}

export interface Target {
  server: string
  creds?: Credentials
  stateCreds?: Credentials
  appCreds?: Credentials
  nsc?: NscAccount
  account: string
  lattice: string
  signer?: KeyPair
  trust?: IssuerTrust
  deadline?: Deadline
  withoutState?: boolean
}

/** Check every local input; throws the first problem. Nothing is contacted. */
export function resolveTarget(
  opts: TargetOptions,
  signer: 'required' | 'optional' | 'none',
  env = process.env,
): Target {
  const lattice = checkLatticeName(opts.lattice ?? DEFAULT_LATTICE)
  // With --nsc, --account may name the account in the store; the store gives its key and the signing key.
  const nsc = opts.nsc ? loadNscAccount({ operator: opts.operator, account: opts.account }, env) : undefined
  if (nsc)
    opts = {
      ...opts,
      account: nsc.publicKey,
      signingKey: opts.signingKey ?? (env[SIGNING_KEY_SEED_ENV] ? undefined : nsc.signingKeyFile),
    }
  if (!opts.account) {
    throw new LatticeError('MISSING_ACCOUNT', 'No account: lattice needs to know whose JWT carries the mappings.', {
      hint: 'Pass --account (or set LATTICE_ACCOUNT) with the account public key (A...).',
    })
  }
  const accountProblem = publicKeyProblem(opts.account, 'account')
  if (accountProblem)
    throw new LatticeError('INVALID_ACCOUNT_ID', `Invalid account ${quoted(opts.account)}: ${accountProblem}.`, {
      hint: 'Pass the account public key (56 characters, starting with "A").',
    })
  // Flags (and their env vars) win; then the nats context; then the defaults.
  const context = loadContext(opts.context, env)
  const server = opts.server ?? context?.url ?? DEFAULT_SERVER
  checkServerUrls(server, opts.server ? '--server (NATS_URL)' : `The nats context "${context?.name}" (its "url")`)
  const credsFile = opts.creds ?? context?.creds
  const creds = credsFile ? readCreds(credsFile) : undefined
  if (nsc?.systemAccount === opts.account)
    throw systemAccountError(opts.account, `the operator ${nsc.operator}'s system_account in the nsc store`)
  const stateCreds = opts.stateCreds ? readCreds(opts.stateCreds) : undefined
  const appCreds = opts.appCreds ? readCreds(opts.appCreds) : undefined
  const seed = env[SIGNING_KEY_SEED_ENV]
  const hasKey = Boolean(opts.signingKey || seed)
  const kp =
    signer === 'required' || (signer === 'optional' && hasKey)
      ? loadSigningKey({ file: opts.signingKey, seed })
      : undefined
  const operatorJwt = opts.operatorJwt ?? nsc?.operatorJwtFile
  const trust = kp
    ? issuerTrust(
        signerPublicKey(kp),
        operatorJwt,
        opts.operatorJwt ? `--operator-jwt ${opts.operatorJwt}` : `the nsc store's operator ${nsc?.operator}`,
      )
    : undefined
  return {
    server,
    creds,
    stateCreds,
    appCreds,
    ...(nsc ? { nsc } : {}),
    account: opts.account,
    lattice,
    signer: kp,
    ...(trust ? { trust } : {}),
    ...(opts.deadline ? { deadline: opts.deadline } : {}),
    ...(opts.withoutState ? { withoutState: true } : {}),
  }
}

export async function withSession<T>(target: Target, fn: (s: Session) => Promise<T>): Promise<T> {
  const deadline = target.deadline ?? Deadline.none()
  let conn: Connection | undefined
  let store: StateStore | undefined
  let app: Connection | undefined
  let stateDown: string | undefined
  // Loaded here, not at the top: commands that never connect (env subjects, a bad flag) then do
  // not load the NATS client at start-up.
  const [{ openConnection }, { withMissingServers }] = await Promise.all([
    import('../resolver/connection.js'),
    import('../state/placement.js'),
  ])
  const run = async () => {
    const connect = async () => {
      // All at once: each handshake waits on the network (and, on a busy machine, for the CPU).
      // Without a deadline of the command's, each connection keeps its own default one.
      // A long-running command rides out a server going away: its connections reconnect to another.
      const reconnect = deadline.mode === 'per-phase'
      const sys = openConnection({ servers: target.server, creds: target.creds, deadline: target.deadline, reconnect })
      const [c, s, a] = await Promise.allSettled([
        sys,
        target.stateCreds ? openState(target, sys, (why) => (stateDown = why)) : undefined,
        target.appCreds
          ? openConnection({
              servers: target.server,
              creds: target.appCreds,
              name: 'lattice-observer',
              deadline: target.deadline,
              reconnect,
            })
          : undefined,
      ])
      if (c.status === 'fulfilled') conn = c.value
      if (s.status === 'fulfilled') store = s.value
      if (a.status === 'fulfilled') app = a.value
      if (closed) {
        // The deadline passed first and the clean-up has run: these are nobody's now.
        await closeAll()
        throw new Error('abandoned after the deadline')
      }
      const failed = [c, s, a].find((r) => r.status === 'rejected')
      if (failed) throw await withMissingServers(failed.reason, conn)
      return conn as Connection
    }
    const nc = deadline.mode === 'whole' ? await connect() : await deadline.phase('connecting', connect)
    const journal = store ? new Journal(store, target.account) : undefined
    const withoutState = target.withoutState ? { withoutState: stateDown ? { reason: stateDown } : {} } : {}
    return fn({
      conn: nc,
      account: target.account,
      lattice: target.lattice,
      signer: target.signer,
      ...(target.trust ? { trust: target.trust } : {}),
      journal,
      app,
      deadline,
      ...(target.nsc ? { nsc: target.nsc } : {}),
      ...withoutState,
    })
  }
  let closed = false
  // A connection to a server that stopped answering closes at once: nothing waits on a flush.
  const closeAll = async () => {
    await store?.close()
    await app?.close().catch(() => undefined)
    await conn?.close().catch(() => undefined)
  }
  try {
    return await (deadline.mode === 'whole' ? deadline.within(run) : run())
  } finally {
    closed = true
    target.signer?.clear()
    await closeAll()
  }
}

/** --without-state tries the state for at most this long before going on without it. */
const STATE_TRY_MS = Number(process.env.LATTICE_WITHOUT_STATE_TRY_MS) || 5000

/**
 * Open the state. With --without-state, a state that cannot be opened (STATE_UNAVAILABLE, or
 * no answer within STATE_TRY_MS or what the deadline leaves) is reported through `down` instead
 * of failing the command; a store that opens after that is closed.
 */
async function openState(
  target: Target,
  sys: Promise<Connection>,
  down: (why: string) => void,
): Promise<StateStore | undefined> {
  const [{ StateStore }, { replicasForNewBucket }] = await Promise.all([
    import('../state/store.js'),
    import('../state/placement.js'),
  ])
  const opening = StateStore.open(target.server, target.stateCreds as Credentials, {
    deadline: target.deadline,
    replicas: () => sys.then(replicasForNewBucket),
  })
  if (!target.withoutState) return opening
  const ms = Math.min(STATE_TRY_MS, target.deadline?.remainingMs() ?? Infinity)
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)))
  try {
    const first = await Promise.race([opening, late])
    if (first !== 'late') return first
    opening.then(
      (s) => s.close(),
      () => undefined,
    )
    down(`the state bucket did not open within ${Math.round(ms / 100) / 10} s`)
    return undefined
  } catch (e) {
    if (!isLatticeError(e) || e.code !== 'STATE_UNAVAILABLE') throw e
    down(e.message.replace(/\.$/, '').replace(/^./, (c) => c.toLowerCase()))
    return undefined
  } finally {
    clearTimeout(timer)
  }
}
