/**
 * The YAML spec (lattice.yaml): parsed with yaml's Document API and a LineCounter so that
 * every problem carries file:line:column, a stable code, what is wrong and how to fix it.
 * All problems are collected; nothing stops at the first.
 */
import { readFileSync } from 'node:fs'
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type Scalar } from 'yaml'
import { LatticeError } from '../errors.js'
import { secretIn } from '../redact.js'
import { weightProblem } from '../plan/weights.js'
import { type EntityRef, entityKey, publicKeyProblem, routeTokenProblem } from '../subjects/index.js'
import type { RolloutPlan } from '../rollout/plan/rollout-plan.js'
import { capital, checkId, entityItem, entries, providerRef, sentence, str, versionFor, versionOf } from './nodes.js'
import { parseRollouts } from './rollouts.js'
import { clustersOf, weightsOf } from './split-weights.js'

export interface SpecProblem {
  file: string
  line: number
  column: number
  code: string
  message: string
  hint?: string
}

export interface PinnedEntity {
  entity: EntityRef
  version: string
}

export interface Split {
  entity: EntityRef
  weights: Record<string, number>
  /** Cluster-scoped weights: servers of cluster C use clusters[C] instead of weights. */
  clusters?: Record<string, Record<string, number>>
}

export interface Fault {
  entity: EntityRef
  drop: number
}

export interface Spec {
  file: string
  lattice?: string
  account?: string
  environments: Record<string, PinnedEntity[]>
  live?: string
  splits: Split[]
  faults: Fault[]
  /** Progressive rollouts, run by `lattice rollout -f FILE` (not by apply). */
  rollouts: RolloutPlan[]
  /** The parsed document and its text, kept to rewrite the file without losing comments or layout. */
  document: Document
  text: string
}

const ENV_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/
const TOP_KEYS = ['lattice', 'account', 'environments', 'live', 'splits', 'faults', 'rollouts']
const ENV_KEYS = ['actors', 'providers', 'components']
const PROVIDER_KEYS = ['id', 'link', 'version']
const SPLIT_KEYS = ['actor', 'provider', 'component', 'link', 'weights', 'clusters']
const FAULT_KEYS = ['actor', 'provider', 'component', 'link', 'drop']

export function readSpec(file: string): Spec {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new LatticeError('SPEC_NOT_FOUND', `Cannot read spec ${file}: ${code === 'ENOENT' ? 'it does not exist' : code}.`, {
      hint: 'Pass the spec with -f FILE (default lattice.yaml in the current directory).',
    })
  }
  return parseSpec(text, file)
}

/** Parse and check a spec; throws SPEC_INVALID listing every problem. */
export function parseSpec(text: string, file: string): Spec {
  refuseSecrets(text, file)
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true })
  const problems: SpecProblem[] = []
  const at = (node: Node | Scalar | null | undefined, code: string, message: string, hint?: string, offset?: number) => {
    const pos = lc.linePos(offset ?? node?.range?.[0] ?? 0)
    problems.push({ file, line: pos.line, column: pos.col, code, message, ...(hint ? { hint } : {}) })
  }
  for (const e of [...doc.errors, ...doc.warnings]) {
    const code = e.code === 'DUPLICATE_KEY' ? 'DUPLICATE_KEY' : 'YAML_SYNTAX'
    at(null, code, sentence(capital(e.message.split('\n')[0])), code === 'DUPLICATE_KEY' ? 'Remove one of the two keys.' : 'Fix the YAML syntax.', e.pos[0])
  }
  const spec: Spec = { file, environments: Object.create(null) as Record<string, PinnedEntity[]>, splits: [], faults: [], rollouts: [], document: doc, text }
  if (problems.length > 0) throw invalid(file, problems)

  const root = doc.contents
  if (root === null || (isScalar(root) && root.value === null)) {
    at(root, 'EMPTY', 'The spec is empty.', 'Start from the example in docs/specs.md.')
    throw invalid(file, problems)
  }
  if (!isMap(root)) {
    at(root, 'WRONG_TYPE', 'The spec must be a mapping of keys (lattice, account, environments, live, splits, faults).')
    throw invalid(file, problems)
  }

  const ctx = { at }
  const top = entries(root, TOP_KEYS, 'the top level', ctx)

  const lattice = top.get('lattice')
  if (lattice) {
    const v = str(lattice, 'lattice', ctx)
    const p = v === undefined ? undefined : routeTokenProblem(v)
    if (p) at(lattice, 'INVALID_TOKEN', `lattice "${v}" is not one subject token lattice can map: ${p}.`, 'Use a single token such as "default".')
    else spec.lattice = v
  }
  const account = top.get('account')
  if (account) {
    const v = str(account, 'account', ctx)
    const p = v === undefined ? undefined : publicKeyProblem(v, 'account')
    if (p) at(account, 'INVALID_ACCOUNT', `account "${v}" is not an account public key: ${p}.`, 'Use the account public key (A...).')
    else spec.account = v
  }

  const envs = top.get('environments')
  const envNamed = new Set<string>()
  if (envs) {
    if (!isMap(envs)) at(envs, 'WRONG_TYPE', 'environments must be a mapping of environment name to its entities.')
    else {
      for (const pair of envs.items) {
        const keyNode = pair.key as Scalar
        const name = String(keyNode?.value)
        if (!isScalar(keyNode) || typeof keyNode.value !== 'string' || !ENV_NAME.test(keyNode.value)) {
          at(keyNode, 'INVALID_ENVIRONMENT', `Environment name ${keyNode?.source ?? name} is not a plain name.`, 'Use letters, digits, "_" and "-", starting with a letter, e.g. blue.')
          continue
        }
        const envNode = pair.value as Node | null
        const pinned: PinnedEntity[] = []
        const seen = new Set<string>()
        const pin = (entity: EntityRef, version: string | undefined, node: Node) => {
          envNamed.add(entityKey(entity))
          if (version === undefined) return
          const key = entityKey(entity)
          if (seen.has(key)) at(node, 'DUPLICATE_ENTITY', `${entity.kind} ${entity.id}${entity.link ? ` (link ${entity.link})` : ''} appears twice in environment "${name}".`, 'Keep one entry.')
          seen.add(key)
          pinned.push({ entity, version })
        }
        if (!isMap(envNode)) {
          at(envNode ?? (pair.key as Scalar), 'WRONG_TYPE', `environment "${name}" must be a mapping with actors, providers and/or components.`)
          continue
        }
        const env = entries(envNode, ENV_KEYS, `environment "${name}"`, ctx)
        const actors = env.get('actors')
        if (actors) {
          if (!isMap(actors)) at(actors, 'WRONG_TYPE', `actors of "${name}" must map actor IDs to versions, e.g. { MB...: "1.0.0" }.`)
          else
            for (const a of actors.items) {
              const keyNode = a.key as Scalar
              const id = String(keyNode.value)
              const idOk = checkId('actor', id, keyNode, ctx)
              const version = a.value ? versionOf(a.value as Node, ctx) : (at(keyNode, 'MISSING_KEY', `actor ${id} in "${name}" has no version.`), undefined)
              if (idOk) pin({ kind: 'actor', id }, version, keyNode)
            }
        }
        const components = env.get('components')
        if (components) {
          if (!isMap(components)) at(components, 'WRONG_TYPE', `components of "${name}" must map component IDs to the component ID serving them, e.g. { hello: hello-v2 }.`)
          else
            for (const c of components.items) {
              const keyNode = c.key as Scalar
              const id = String(keyNode.value)
              const idOk = checkId('component', id, keyNode, ctx)
              const version = c.value ? versionFor('component', c.value as Node, ctx) : (at(keyNode, 'MISSING_KEY', `component ${id} in "${name}" has no version (the component ID serving it).`), undefined)
              if (idOk) pin({ kind: 'component', id }, version, keyNode)
            }
        }
        const providers = env.get('providers')
        if (providers) {
          if (!isSeq(providers)) at(providers, 'WRONG_TYPE', `providers of "${name}" must be a list of { id, link, version }.`)
          else
            for (const item of providers.items as Node[]) {
              if (!isMap(item)) {
                at(item, 'WRONG_TYPE', 'A provider entry must be a mapping { id, link, version }.')
                continue
              }
              const p = entries(item, PROVIDER_KEYS, 'a provider entry', ctx)
              const entity = providerRef(p.get('id'), p.get('link'), item, ctx)
              const vNode = p.get('version')
              const version = vNode ? versionOf(vNode, ctx) : (at(item, 'MISSING_KEY', 'A provider entry needs a version.', 'Add version: "x.y.z".'), undefined)
              if (entity) pin(entity, version, item)
            }
        }
        spec.environments[name] = pinned
      }
    }
  }

  const live = top.get('live')
  if (live) {
    const v = str(live, 'live', ctx)
    if (v !== undefined && !(v in spec.environments && Object.hasOwn(spec.environments, v))) {
      at(live, 'UNKNOWN_LIVE', `live is "${v}", which is not an environment of this file.`, `Use one of: ${Object.keys(spec.environments).join(', ') || '(no environments defined)'}.`)
    } else spec.live = v
  }

  const claimed = new Map<string, string>() // entity key -> where it is routed
  if (spec.live) for (const p of spec.environments[spec.live] ?? []) claimed.set(entityKey(p.entity), `environment "${spec.live}"`)
  const inAnyEnv = envNamed

  const splits = top.get('splits')
  if (splits) {
    if (!isSeq(splits)) at(splits, 'WRONG_TYPE', 'splits must be a list of { actor | provider | component, link?, weights }.')
    else
      for (const item of splits.items as Node[]) {
        const s = entityItem(item, SPLIT_KEYS, 'a split', ctx)
        if (!s) continue
        const key = entityKey(s.entity)
        if (inAnyEnv.has(key)) at(item, 'ENTITY_CONFLICT', `${s.entity.kind} ${s.entity.id} is both in splits and in an environment.`, 'Route an entity either by environment (blue/green) or by split (A/B), not both.')
        else if (claimed.has(key)) at(item, 'DUPLICATE_ENTITY', `${s.entity.kind} ${s.entity.id} has more than one split.`, 'Keep one split per entity.')
        claimed.set(key, 'splits')
        const wNode = s.fields.get('weights')
        const cNode = s.fields.get('clusters')
        if (!wNode && !cNode) {
          at(item, 'MISSING_KEY', 'A split needs weights (and/or clusters).', 'Add weights: { "1.0.0": 90, "2.0.0": 10 }.')
          continue
        }
        const weights = wNode ? weightsOf(wNode, ctx, s.entity) : {}
        const clusters = cNode ? clustersOf(cNode, ctx, s.entity) : undefined
        if (weights && (clusters || !cNode)) spec.splits.push({ entity: s.entity, weights, ...(clusters ? { clusters } : {}) })
      }
  }

  const faults = top.get('faults')
  if (faults) {
    if (!isSeq(faults)) at(faults, 'WRONG_TYPE', 'faults must be a list of { actor | provider | component, link?, drop }.')
    else {
      const seen = new Set<string>()
      for (const item of faults.items as Node[]) {
        const f = entityItem(item, FAULT_KEYS, 'a fault', ctx)
        if (!f) continue
        const key = entityKey(f.entity)
        if (seen.has(key)) at(item, 'DUPLICATE_ENTITY', `${f.entity.kind} ${f.entity.id} has more than one fault.`, 'Keep one fault per entity.')
        seen.add(key)
        const dNode = f.fields.get('drop')
        if (!dNode) {
          at(item, 'MISSING_KEY', 'A fault needs drop (the percent of calls to drop).', 'Add drop: 5.')
          continue
        }
        const drop = isScalar(dNode) && typeof dNode.value === 'number' ? dNode.value : Number.NaN
        const p = Number.isNaN(drop) ? 'it is not a number' : weightProblem(drop)
        if (p) at(dNode, 'INVALID_DROP', `drop ${isScalar(dNode) ? JSON.stringify(dNode.value) : ''} is invalid: ${p}.`, 'Use a whole number from 0 to 100.')
        else spec.faults.push({ entity: f.entity, drop })
      }
    }
  }

  const rollouts = top.get('rollouts')
  if (rollouts) spec.rollouts = parseRollouts(rollouts, ctx)

  if (problems.length > 0) throw invalid(file, problems)
  return spec
}

function invalid(file: string, problems: SpecProblem[]): LatticeError {
  problems.sort((a, b) => a.line - b.line || a.column - b.column)
  const lines = problems.map(formatProblem)
  return new LatticeError('SPEC_INVALID', `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${file}; nothing was pushed:\n${lines.join('\n')}`, {
    details: { problems },
  })
}

export function formatProblem(p: SpecProblem): string {
  return `  ${p.file}:${p.line}:${p.column} ${p.code} ${p.message}${p.hint ? ` ${p.hint}` : ''}`
}

/** A spec holds no secret anywhere: a seed or creds content in it is refused, by line, never shown. */
function refuseSecrets(text: string, file: string): void {
  const lines = text.split('\n')
  const kind = secretIn(text)
  if (!kind) return
  const line = lines.findIndex((l) => secretIn(l) !== undefined || /BEGIN [A-Z ]*(JWT|SEED)/.test(l)) + 1
  throw new LatticeError('SEED_MISPLACED', `${file}${line > 0 ? `:${line}` : ''} holds ${kind === 'creds' ? 'the contents of a creds file' : 'an nkey seed'}, which does not belong in a spec; nothing was used or sent.`, {
    hint: 'Remove it from the spec (ids are public keys starting with M or V); seeds belong in files or in LATTICE_SIGNING_KEY_SEED.',
    details: { file, ...(line > 0 ? { line } : {}), kind },
  })
}
