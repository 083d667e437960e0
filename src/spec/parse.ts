/**
 * The YAML spec (lattice.yaml): parsed with yaml's Document API and a LineCounter so that
 * every problem carries file:line:column, a stable code, what is wrong and how to fix it.
 * All problems are collected; nothing stops at the first.
 */
import { readFileSync } from 'node:fs'
import { type Document, isMap, isScalar, LineCounter, type Node, parseDocument, type Scalar } from 'yaml'
import { LatticeError } from '../errors.js'
import { secretIn } from '../redact.js'
import { entityKey, publicKeyProblem, routeTokenProblem } from '../subjects/index.js'
import type { RolloutPlan } from '../rollout/plan/rollout-plan.js'
import { capital, entries, sentence, str } from './nodes.js'
import { parseRollouts } from './rollouts.js'
import { type PinnedEntity, parseEnvironments } from './parse-environments.js'
import { type Fault, type Split, parseFaults, parseSplits } from './parse-splits-faults.js'

export interface SpecProblem {
  file: string
  line: number
  column: number
  code: string
  message: string
  hint?: string
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

const TOP_KEYS = ['lattice', 'account', 'environments', 'live', 'splits', 'faults', 'rollouts']

export function readSpec(file: string): Spec {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new LatticeError(
      'SPEC_NOT_FOUND',
      `Cannot read spec ${file}: ${code === 'ENOENT' ? 'it does not exist' : code}.`,
      {
        hint: 'Pass the spec with -f FILE (default lattice.yaml in the current directory).',
      },
    )
  }
  return parseSpec(text, file)
}

/** Parse and check a spec; throws SPEC_INVALID listing every problem. */
export function parseSpec(text: string, file: string): Spec {
  refuseSecrets(text, file)
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true })
  const problems: SpecProblem[] = []
  const at = (
    node: Node | Scalar | null | undefined,
    code: string,
    message: string,
    hint?: string,
    offset?: number,
  ) => {
    const pos = lc.linePos(offset ?? node?.range?.[0] ?? 0)
    problems.push({ file, line: pos.line, column: pos.col, code, message, ...(hint ? { hint } : {}) })
  }
  for (const e of [...doc.errors, ...doc.warnings]) {
    const code = e.code === 'DUPLICATE_KEY' ? 'DUPLICATE_KEY' : 'YAML_SYNTAX'
    at(
      null,
      code,
      sentence(capital(e.message.split('\n')[0])),
      code === 'DUPLICATE_KEY' ? 'Remove one of the two keys.' : 'Fix the YAML syntax.',
      e.pos[0],
    )
  }
  const spec: Spec = { file, environments: {}, splits: [], faults: [], rollouts: [], document: doc, text }
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
    if (p)
      at(
        lattice,
        'INVALID_TOKEN',
        `lattice "${v}" is not one subject token lattice can map: ${p}.`,
        'Use a single token such as "default".',
      )
    else spec.lattice = v
  }
  const account = top.get('account')
  if (account) {
    const v = str(account, 'account', ctx)
    const p = v === undefined ? undefined : publicKeyProblem(v, 'account')
    if (p)
      at(
        account,
        'INVALID_ACCOUNT',
        `account "${v}" is not an account public key: ${p}.`,
        'Use the account public key (A...).',
      )
    else spec.account = v
  }

  const envs = parseEnvironments(top.get('environments'), ctx)
  spec.environments = envs.environments

  const live = top.get('live')
  if (live) {
    const v = str(live, 'live', ctx)
    if (v !== undefined && !(v in spec.environments && Object.hasOwn(spec.environments, v))) {
      at(
        live,
        'UNKNOWN_LIVE',
        `live is "${v}", which is not an environment of this file.`,
        `Use one of: ${Object.keys(spec.environments).join(', ') || '(no environments defined)'}.`,
      )
    } else spec.live = v
  }

  const claimed = new Map<string, string>() // entity key -> where it is routed
  if (spec.live)
    for (const p of spec.environments[spec.live] ?? []) claimed.set(entityKey(p.entity), `environment "${spec.live}"`)

  const splits = top.get('splits')
  if (splits) spec.splits = parseSplits(splits, ctx, claimed, envs.named)
  const faults = top.get('faults')
  if (faults) spec.faults = parseFaults(faults, ctx)
  const rollouts = top.get('rollouts')
  if (rollouts) spec.rollouts = parseRollouts(rollouts, ctx)

  if (problems.length > 0) throw invalid(file, problems)
  return spec
}

function invalid(file: string, problems: SpecProblem[]): LatticeError {
  problems.sort((a, b) => a.line - b.line || a.column - b.column)
  const lines = problems.map(formatProblem)
  return new LatticeError(
    'SPEC_INVALID',
    `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${file}; nothing was pushed:\n${lines.join('\n')}`,
    {
      details: { problems },
    },
  )
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
  throw new LatticeError(
    'SEED_MISPLACED',
    `${file}${line > 0 ? `:${line}` : ''} holds ${kind === 'creds' ? 'the contents of a creds file' : 'an nkey seed'}, which does not belong in a spec; nothing was used or sent.`,
    {
      hint: 'Remove it from the spec (ids are public keys starting with M or V); seeds belong in files or in LATTICE_SIGNING_KEY_SEED.',
      details: { file, ...(line > 0 ? { line } : {}), kind },
    },
  )
}
