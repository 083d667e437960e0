/**
 * `nats` CLI contexts: `~/.config/nats/context/<name>.json` (url, creds), the selected name in
 * `~/.config/nats/context.txt`. lattice uses one when no --server / NATS_URL is given: the one
 * named by --context / NATS_CONTEXT, else the selected one.
 */
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { LatticeError } from '../errors.js'
import { secretIn } from '../redact.js'

export interface NatsContext {
  name: string
  url?: string
  creds?: string
}

const natsConfigDir = (env: NodeJS.ProcessEnv) => join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'nats')

/** The named (or selected) context; undefined when none is selected. Throws when a named one does not exist. */
export function loadContext(name: string | undefined, env = process.env): NatsContext | undefined {
  const dir = natsConfigDir(env)
  const explicit = name ?? env.NATS_CONTEXT
  const selected =
    explicit ?? (existsSync(join(dir, 'context.txt')) ? readFileSync(join(dir, 'context.txt'), 'utf8').trim() : '')
  if (!selected) return undefined
  const file = join(dir, 'context', `${selected}.json`)
  if (!existsSync(file)) {
    if (!explicit) return undefined // a stale selection is not an error: fall back to the defaults
    throw new LatticeError('CONTEXT_NOT_FOUND', `There is no nats context "${selected}" (${file}).`, {
      hint: 'List them with `nats context ls`; pass --context with one of those names.',
    })
  }
  let body: { url?: string; creds?: string }
  try {
    body = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    throw new LatticeError('CONTEXT_NOT_FOUND', `The nats context "${selected}" (${file}) is not valid JSON.`, {
      hint: 'Fix or recreate it with `nats context save`.',
    })
  }
  for (const field of ['url', 'creds'] as const) {
    const kind = typeof body[field] === 'string' ? secretIn(body[field]) : undefined
    if (kind) {
      throw new LatticeError(
        'SEED_MISPLACED',
        `The nats context "${selected}" (${file}) holds ${kind === 'creds' ? 'the contents of a creds file' : 'an nkey seed'} in "${field}", which does not belong there; nothing was used or sent.`,
        {
          hint: field === 'creds' ? 'Set "creds" to the path of the creds file.' : 'Set "url" to the NATS server URL.',
          details: { where: `${file}:${field}`, kind },
        },
      )
    }
  }
  return {
    name: selected,
    ...(body.url ? { url: body.url } : {}),
    ...(body.creds ? { creds: body.creds.replace(/^~(?=\/)/, homedir()) } : {}),
  }
}
