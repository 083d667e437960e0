/** What `verify actor` and `verify provider` share. */
import { Flags, type Interfaces } from '@oclif/core'
import { LatticeError } from '../errors.js'
import { checkEntity } from '../ops/entity.js'
import { type VerifyResult, verify } from '../ops/verify-split.js'
import { resolveTarget, withSession } from '../ops/session.js'
import { parseDuration } from '../plan/duration.js'
import type { EntityRef } from '../subjects/index.js'
import type { ObserveMode } from '../traffic/observation.js'
import { LatticeCommand, appFlags, connectionFlags, observeFlags } from './base.js'
import { renderVerify } from '../views/observe-view.js'

export const VERIFY_DESCRIPTION = `Observes the entity's real calls for --window (nothing is sent) and compares the split with the live weights (chi-square goodness of fit). With one version at 100% there is no split: it checks that every call reached that version and none another running version.
Calls are counted from the hosts' metrics reports where every instance of the entity runs on a host that reports (host-core), otherwise by subscription; --observe forces one. From reports each host's calls between two of its reports count in proportion to how much of that span lies in the window (reports come every second).
Exits 11 when they differ significantly (p < --alpha) or when no call was observed; prints both.`

export const verifyFlags = {
  ...connectionFlags,
  ...appFlags,
  ...observeFlags,
  window: Flags.string({ summary: 'How long to observe (10s, 1m).', default: '10s' }),
  alpha: Flags.string({ summary: 'Significance level: a p-value below it fails.', default: '0.001' }),
}

export abstract class VerifyCommand extends LatticeCommand {
  static override longRunning = true

  protected async verifyEntity(
    entity: EntityRef,
    flags: Interfaces.InferredFlags<typeof verifyFlags>,
  ): Promise<VerifyResult> {
    checkEntity(entity)
    const windowMs = parseDuration(flags.window, '--window')
    const alpha = Number(flags.alpha)
    if (!(alpha > 0 && alpha < 1))
      throw new LatticeError('INVALID_WEIGHT', `--alpha "${flags.alpha}" is not a probability between 0 and 1.`, {
        hint: 'For example --alpha 0.001.',
      })
    const target = resolveTarget(this.targetOptions(flags), 'none')
    const result = await this.spin(`observing calls for ${flags.window}`, () =>
      withSession(target, (s) => verify(s, entity, windowMs, alpha, flags.observe as ObserveMode)),
    )
    this.warnAll(result.warnings)
    this.log(renderVerify(result))
    if (!result.match) {
      const why =
        result.method === 'one-version'
          ? 'calls reached a version with no weight'
          : `p = ${result.pValue.toExponential(1)} < ${alpha}`
      throw new LatticeError(
        'SPLIT_MISMATCH',
        `The observed split of ${result.entity} differs from the live weights (${why}).`,
        {
          hint: 'Check `lattice status --servers` (does every server run the latest JWT?) and that every version has instances.',
          details: { result },
        },
      )
    }
    return result
  }
}
