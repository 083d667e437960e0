/** What `dev traffic actor` and `dev traffic provider` share: their flags, their run and their view. */
import { Flags, type Interfaces } from '@oclif/core'
import { checkEntity } from '../ops/entity.js'
import { resolveTarget, withSession } from '../ops/session.js'
import { type TrafficProgress, type TrafficResult, sendTraffic, sum } from '../ops/traffic.js'
import { parseDuration } from '../plan/duration.js'
import type { EntityRef } from '../subjects/index.js'
import { LatticeCommand, appFlags, connectionFlags } from './base.js'
import { untilInterrupted } from './interrupt.js'
import { inPlace, viewMode } from '../views/rollout-view.js'
import { table } from '../views/table.js'

export const TRAFFIC_DESCRIPTION = `Sends --rate calls per second to the entity's unversioned subject through an application-account user (--app-creds, as watch and verify use), for --duration or until Ctrl-C, and counts which version answered each: on a terminal one line refreshed every second, otherwise a line every 5 s; at the end a summary (calls, answered per version, errors, no answer). --json prints the summary as one object.
The version is told the way watch observes traffic: lattice subscribes to each running version's versioned subject and recognises its own calls there. Before any shift there is no mapping: calls go to the unversioned subject, where every version's instances share one queue group, and count as "unversioned".
The calls are real calls: hosts count them in their metrics, so rollout analysis judges them. wasmCloud components are called over wRPC with encoded arguments: use a real caller for those.`

export const trafficFlags = {
  ...connectionFlags,
  ...appFlags,
  rate: Flags.integer({ min: 1, max: 10_000, default: 50, summary: 'Calls per second.' }),
  duration: Flags.string({ summary: 'Stop after this long (10s, 2m) [default: until Ctrl-C].' }),
  payload: Flags.string({ default: 'ping', summary: 'The body of every call.' }),
  'call-timeout': Flags.string({
    default: '2s',
    summary: 'A call with no answer after this long counts as a timeout.',
  }),
}

export abstract class TrafficCommand extends LatticeCommand {
  static override longRunning = true

  protected async sendTo(
    entity: EntityRef,
    flags: Interfaces.InferredFlags<typeof trafficFlags>,
  ): Promise<TrafficResult> {
    checkEntity(entity)
    const durationMs = flags.duration === undefined ? undefined : parseDuration(flags.duration, '--duration')
    const callTimeoutMs = parseDuration(flags['call-timeout'], '--call-timeout')
    const target = resolveTarget(this.targetOptions(flags), 'none')
    const mode = viewMode(this.jsonEnabled())
    const draw = inPlace((t) => process.stdout.write(t))
    const onTick =
      mode === 'json'
        ? undefined
        : (p: TrafficProgress) => (mode === 'tty' ? draw(progressLine(p)) : this.log(progressLine(p)))
    const result = await untilInterrupted((stopped) =>
      withSession(target, (s) =>
        sendTraffic(s, entity, {
          rate: flags.rate,
          durationMs,
          payload: flags.payload,
          callTimeoutMs,
          stopped,
          onTick,
          tickMs: mode === 'tty' ? 1000 : 5000,
        }),
      ),
    )
    this.log(renderTraffic(result))
    return result
  }
}

/** "12.0 s: 600 sent; v1 418 (70.0%), v2 179 (30.0%); no answer 3" */
export function progressLine(p: TrafficProgress): string {
  const reached = sum(p.answered) + sum(p.failed) + p.unversioned.answered + p.unversioned.failed
  const share = (n: number) => (reached ? ` (${((n / reached) * 100).toFixed(1)}%)` : '')
  const versions = versionsOf(p).map(
    (v) => `${v} ${(p.answered[v] ?? 0) + (p.failed[v] ?? 0)}${share((p.answered[v] ?? 0) + (p.failed[v] ?? 0))}`,
  )
  const unversioned = p.unversioned.answered + p.unversioned.failed
  const parts = [...versions, ...(unversioned ? [`unversioned ${unversioned}${share(unversioned)}`] : [])]
  const errors = sum(p.failed) + p.unversioned.failed
  return `${(p.elapsedMs / 1000).toFixed(1)} s: ${p.sent} sent; ${parts.join(', ') || 'none answered yet'}${errors ? `; errors ${errors}` : ''}; no answer ${p.noResponders + p.timeouts}`
}

export function renderTraffic(r: TrafficResult): string {
  const reached = sum(r.answered) + sum(r.failed) + r.unversioned.answered + r.unversioned.failed
  const share = (n: number) => (reached ? `${((n / reached) * 100).toFixed(1)}%` : '-')
  const rows = versionsOf(r).map((v) => [
    v,
    String(r.answered[v] ?? 0),
    String(r.failed[v] ?? 0),
    share((r.answered[v] ?? 0) + (r.failed[v] ?? 0)),
  ])
  if (r.unversioned.answered + r.unversioned.failed)
    rows.push([
      '(unversioned)',
      String(r.unversioned.answered),
      String(r.unversioned.failed),
      share(r.unversioned.answered + r.unversioned.failed),
    ])
  const seconds = r.elapsedMs / 1000
  return [
    `${r.entity}: ${r.sent} calls in ${seconds.toFixed(1)} s (${Math.round(r.sent / Math.max(seconds, 0.001))}/s) to ${r.subject}`,
    table(['VERSION', 'ANSWERED', 'ERRORS', 'SHARE'], rows),
    `No answer: ${r.noResponders + r.timeouts} (${r.noResponders} no responders, ${r.timeouts} timeouts).`,
    ...(r.unversioned.answered + r.unversioned.failed
      ? ['(unversioned): calls to the unversioned subject with no mapping; any version may have answered them.']
      : []),
  ].join('\n')
}

function versionsOf(t: { answered: Record<string, number>; failed: Record<string, number> }): string[] {
  return [...new Set([...Object.keys(t.answered), ...Object.keys(t.failed)])].sort()
}
