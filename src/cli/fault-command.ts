/** What `fault actor` and `fault provider` share: inject, and with --for wait and clear. */
import { Flags, type Interfaces } from '@oclif/core'
import type { ChangeResult } from '../ops/change.js'
import { checkEntity } from '../ops/entity.js'
import { clearFault, faultClearCommand, injectFault } from '../ops/fault.js'
import { resolveTarget, withSession } from '../ops/session.js'
import { formatDuration, parseDuration } from '../plan/duration.js'
import { parseWeight } from '../plan/weights.js'
import type { EntityRef } from '../subjects/index.js'
import { untilInterrupted } from './interrupt.js'
import { LatticeCommand, connectionFlags, dryRunFlag, safetyFlags, signingFlags, withoutStateFlag } from './base.js'
import { renderChange } from '../views/routing-view.js'

export const FAULT_DESCRIPTION = `Maps DROP percent of the entity's calls to <subject>._drop, which nobody serves: callers get "no responders". The versions' weights are scaled to the rest.
With --for, the command waits and clears the fault when the time is up (Ctrl-C clears it early); without it, the fault stays until \`lattice fault clear\`.
With --state-creds the weights from before are kept server-side, so \`fault clear\` from any machine restores them exactly.`

export const faultFlags = {
  ...connectionFlags,
  ...signingFlags,
  ...withoutStateFlag,
  drop: Flags.string({ summary: 'Percent of calls to drop: a whole number 1..100.', required: true }),
  for: Flags.string({ summary: 'Clear the fault after this long (10s, 10m, 1h); the command waits.' }),
  ...safetyFlags,
  ...dryRunFlag,
}

export abstract class FaultCommand extends LatticeCommand {
  protected async fault(
    entity: EntityRef,
    flags: Interfaces.InferredFlags<typeof faultFlags>,
  ): Promise<ChangeResult & { cleared?: ChangeResult }> {
    checkEntity(entity)
    const drop = parseWeight(flags.drop, '--drop')
    const forMs = flags.for === undefined ? undefined : parseDuration(flags.for, '--for')
    const target = resolveTarget(
      this.targetOptions(flags, forMs !== undefined && !flags['dry-run']),
      flags['dry-run'] ? 'optional' : 'required',
    )
    return withSession(target, async (session) => {
      const options = this.changeOptions(flags)
      const injected = await injectFault(session, entity, drop, options)
      this.warnAll(injected.warnings)
      this.log(renderChange(injected, this.paint()))
      if (forMs === undefined || flags['dry-run']) return injected
      this.log(`Fault live for ${formatDuration(forMs)}; Ctrl-C clears it now.`)
      // Clearing is inside too: a second Ctrl-C while it runs says the fault may still be live.
      const { early, cleared } = await untilInterrupted(
        async (interrupted) => {
          const end = Date.now() + forMs
          while (!interrupted() && Date.now() < end)
            await new Promise((r) => setTimeout(r, Math.min(200, end - Date.now())))
          return {
            early: interrupted(),
            cleared: await clearFault(session, entity, { ...options, dryRun: false }, injected.restore),
          }
        },
        `The fault may still be live: \`${faultClearCommand(entity)}\` clears it.`,
      )
      this.log(`Fault cleared${early ? ' early' : ''}:`)
      this.log(renderChange(cleared, this.paint()))
      return { ...injected, cleared }
    })
  }
}
