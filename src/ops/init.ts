/**
 * `lattice init DIR`: the keys, creds and nats-server config of a real deployment, written by the
 * same code as `lattice dev up`'s (src/dev/deployment.ts), listening on all interfaces. Existing
 * keys are never overwritten unless asked (`force`): they may be the only copy.
 */
import { existsSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type Deployment, DEPLOYMENT_FILES, SERVER_DIRS, latticeEnv, writeDeployment } from '../dev/deployment.js'
import { LatticeError } from '../errors.js'

export const DEFAULT_LISTEN = '0.0.0.0:4222'

export interface InitResult extends Deployment {
  /** What to export on this machine to point lattice (and hosts) at the server. */
  env: Record<string, string>
}

export async function initDeployment(dirArg: string, opts: { force: boolean }): Promise<InitResult> {
  const dir = resolve(dirArg)
  const present = [...Object.values(DEPLOYMENT_FILES), ...SERVER_DIRS].filter((f) => existsSync(join(dir, f)))
  if (present.length > 0 && !opts.force) {
    throw new LatticeError(
      'KEYS_EXIST',
      `${dir} already holds ${present.join(', ')}: lattice init does not overwrite keys (they may be the only copy, and servers and hosts use them).`,
      {
        hint: `Pick an empty directory, or pass --force to replace them with new keys (the old operator's JWTs in jwt/ and JetStream data in js/ are deleted too).`,
      },
    )
  }
  try {
    for (const f of present) rmSync(join(dir, f), { recursive: true, force: true })
    const d = await writeDeployment(dir, { listen: DEFAULT_LISTEN, serverName: 'lattice', operatorName: 'lattice' })
    const url = `nats://127.0.0.1:${DEFAULT_LISTEN.split(':')[1]}`
    return { ...d, env: latticeEnv(url, { ...d.files, account: d.keys.appAccount }) }
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    if (!err.code || !err.path) throw e
    throw new LatticeError(
      'DIR_UNWRITABLE',
      `Cannot write ${err.path}: ${err.code === 'EACCES' ? 'permission denied' : err.message}.`,
      {
        hint: 'Choose a directory you may write to (it is created if missing), or fix its permissions.',
      },
    )
  }
}
