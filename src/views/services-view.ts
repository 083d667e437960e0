/** The services an account's instances announce ($SRV.INFO), as `lattice status` shows them. */
import type { Discovery } from '../services/discovery.js'
import { table } from './table.js'

/** Empty when no service answered (most lattices run none: status says nothing of them then). */
export function renderServices(d: Discovery): string {
  if (d.services.length === 0 && d.refused.length === 0) return ''
  const rows: string[][] = []
  for (const s of d.services)
    for (const v of s.versions)
      for (const [i, e] of (v.endpoints.length ? v.endpoints : [undefined]).entries())
        rows.push([
          i === 0 ? s.name : '',
          i === 0 ? v.version : '',
          i === 0 ? String(v.instances.length) : '',
          e?.name ?? '-',
          e?.subject ?? '-',
          e?.queueGroup ?? '-',
        ])
  const lines = [table(['SERVICE', 'VERSION', 'INSTANCES', 'ENDPOINT', 'SUBJECT', 'QUEUE'], rows)]
  for (const s of d.services)
    for (const x of s.shared)
      lines.push(
        `${s.name}: ${x.subject} is served by ${x.versions.join(' and ')}: not steerable (one queue group mixes their calls at random, separate ones each get a copy); deploy a new version on a subject of its own (docs/services.md).`,
      )
  if (d.refused.length)
    lines.push(`Left out ${d.refused.length} answer(s) that were not a service's: ${d.refused.join('; ')}.`)
  return lines.join('\n')
}
