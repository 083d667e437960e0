/** `host check` for people: one line per requirement, level, outcome, what was observed. */
import type { HostCheckResult } from '../ops/host-check.js'
import { PLAIN, type Paint } from './colour.js'

export function renderHostCheck(r: HostCheckResult, paint: Paint = PLAIN): string {
  const conns =
    r.connections.map((c) => `${c.server} cid ${c.cid}${c.name ? ` "${c.name}"` : ''}`).join(', ') || 'none found'
  const head = [
    `Host ${r.host} (lattice ${r.lattice}), ${r.entity} version ${r.version}`,
    `  subjects ${r.subjects.unversioned}, ${r.subjects.versioned}; queue group ${r.queue}`,
    `  connection ${conns}`,
    '',
  ]
  const level = Math.max(...r.requirements.map((q) => q.level.length))
  const id = Math.max(...r.requirements.map((q) => q.id.length))
  const outcome = Math.max(...r.requirements.map((q) => q.outcome.length))
  const lines = r.requirements.map((q) => {
    const o = q.outcome.padEnd(outcome)
    const coloured =
      q.outcome === 'pass'
        ? paint.ok(o)
        : q.outcome === 'fail'
          ? q.level === 'SHOULD'
            ? paint.warn(o)
            : paint.bad(o)
          : o
    return `${q.level.padEnd(level)}  ${q.id.padEnd(id)}  ${coloured}  ${q.observed}`
  })
  const verdict = r.conformant ? paint.ok('conformant: every MUST passed') : paint.bad('NOT conformant: a MUST failed')
  return [...head, ...lines, '', verdict].join('\n')
}
