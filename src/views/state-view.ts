/** Text views of the state bucket (`lattice state`, `status --servers`). */
import type { StateHealth } from '../ops/state.js'
import { table } from './table.js'

export function renderStateHealth(h: StateHealth): string {
  const rows = [
    ...(h.leader ? [[h.leader, 'leader', 'yes']] : []),
    ...h.followers.map((f) => [f.server, 'replica', f.offline ? 'OFFLINE' : f.current ? 'yes' : 'catching up']),
  ]
  const head = `State bucket ${h.bucket} (stream ${h.stream}): ${h.replicas} replica${h.replicas === 1 ? '' : 's'} of ${h.allowed} the cluster allows; ${h.values} value${h.values === 1 ? '' : 's'}.`
  const missing = h.missingServers.length ? [`JetStream servers not answering: ${h.missingServers.join(', ')}.`] : []
  return [head, table(['SERVER', 'ROLE', 'CURRENT'], rows), ...missing].join('\n')
}
