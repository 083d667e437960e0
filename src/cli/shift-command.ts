/** What `shift actor` and `shift provider` share: their flags and their run. */
import { Flags, type Interfaces } from '@oclif/core'
import type { ChangeResult } from '../ops/change.js'
import { resolveTarget, withSession } from '../ops/session.js'
import { type ShiftInput, shift, validateShift } from '../ops/shift.js'
import { LatticeError } from '../errors.js'
import { usageHint } from './usage.js'
import { parseWeight } from '../plan/weights.js'
import type { EntityRef } from '../subjects/index.js'
import { LatticeCommand, connectionFlags, dryRunFlag, safetyFlags, signingFlags, withoutStateFlag } from './base.js'
import { renderChange } from '../views/routing-view.js'

export const SHIFT_DESCRIPTION = `Rewrites the subject mapping in the account JWT so that WEIGHT percent of calls go to --to.
With --from, --from takes the remainder and other versions keep their weights; without it, the other versions keep their relative shares.
Weight 0 removes a version; weight 100 keeps an explicit 100% mapping.
--cluster NAME --clear removes the weights scoped to that cluster: its servers use the unscoped weights again.`

export const shiftFlags = {
  ...connectionFlags,
  ...signingFlags,
  ...withoutStateFlag,
  to: Flags.string({ summary: 'Version that gets --weight percent (required unless --clear).' }),
  weight: Flags.string({ summary: 'Percent of traffic for --to: a whole number 0..100 (required unless --clear).' }),
  from: Flags.string({ summary: 'Version that takes the remainder (required when there is no mapping yet).' }),
  cluster: Flags.string({
    summary: 'Shift only the weights used by servers of this cluster (a cluster-scoped mapping).',
  }),
  clear: Flags.boolean({
    summary: "With --cluster: remove that cluster's scoped weights (its servers follow the unscoped ones again).",
    dependsOn: ['cluster'],
    exclusive: ['to', 'weight', 'from'],
  }),
  ...safetyFlags,
  ...dryRunFlag,
}

export abstract class ShiftCommand extends LatticeCommand {
  protected async shiftEntity(
    entity: EntityRef,
    flags: Interfaces.InferredFlags<typeof shiftFlags>,
  ): Promise<ChangeResult> {
    for (const name of ['to', 'weight'] as const) {
      // Required unless --clear: said as oclif says it of a required flag.
      if (!flags.clear && flags[name] === undefined)
        throw new LatticeError('USAGE', `Missing required flag ${name}`, {
          hint: usageHint(this.config.bin, (this.id ?? '').split(':').join(' ')),
        })
    }
    const input: ShiftInput = flags.clear
      ? { entity, cluster: flags.cluster as string, clear: true }
      : {
          entity,
          to: flags.to as string,
          from: flags.from,
          weight: parseWeight(flags.weight as string),
          cluster: flags.cluster,
        }
    validateShift(input) // before keys are read or anything is contacted
    const target = resolveTarget(this.targetOptions(flags), flags['dry-run'] ? 'optional' : 'required')
    const result = await this.spin('changing the routes', () =>
      withSession(target, (s) => shift(s, input, this.changeOptions(flags))),
    )
    this.warnAll(result.warnings)
    this.log(renderChange(result, this.paint()))
    return result
  }
}
