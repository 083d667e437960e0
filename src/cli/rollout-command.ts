/** What every rollout command shares: its run (runnerFlags and the rest of its command line: rollout-flags.ts). */
import type { Interfaces } from '@oclif/core'
import { LatticeError } from '../errors.js'
import { runRollout } from '../rollout/runner.js'
import { checkHttpUrl } from '../plan/gate-config.js'
import type { RolloutPlan } from '../rollout/plan/rollout-plan.js'
import { type Session, resolveTarget, withSession } from '../ops/session.js'
import type { RolloutRecord } from '../rollout/records/rollout-store.js'
import { entityLabel } from '../subjects/index.js'
import { rolloutCommand } from '../ops/rollout-conflicts.js'
import type { ObserveMode } from '../traffic/observation.js'
import { LatticeCommand } from './base.js'
import { untilInterrupted } from './interrupt.js'
import type { runnerFlags } from './rollout-flags.js'
import { RolloutView, viewMode } from '../views/rollout-view.js'
import { Notifier } from '../notify/notifier.js'

/** Runs rollouts: streams progress, turns SIGINT/SIGTERM into an abort (or a hold), exits 10 when rolled back. */
export abstract class RolloutRunner extends LatticeCommand {
  /** `after` runs in the same session once every plan completed. */
  protected async runPlans(
    plans: RolloutPlan[],
    flags: Interfaces.InferredFlags<typeof runnerFlags>,
    targetOptions = this.targetOptions(flags),
    after?: (session: Session) => Promise<void>,
  ): Promise<void> {
    const target = resolveTarget(targetOptions, 'required')
    // Every plan's needs are checked before the first one starts.
    if (!flags['app-creds'] && plans.some((p) => p.probe && p.entity.kind !== 'component'))
      throw new LatticeError(
        'NO_APP_CREDS',
        'Probe gates need an application-account user: pass --app-creds (LATTICE_APP_CREDS).',
      )
    const notify = (flags.notify ?? []).map((url) => checkHttpUrl(url, '--notify'))
    await untilInterrupted(
      (interrupted) =>
        withSession(target, async (session) => {
          for (const plan of plans) {
            const view = new RolloutView(
              viewMode(this.jsonEnabled()),
              (t) => process.stdout.write(t),
              `${entityLabel(plan.entity)}: ${plan.from} -> ${plan.to}`,
              this.paint(),
              { [plan.to]: 'canary', [plan.from]: 'stable' },
            )
            const notifier = new Notifier(
              session.lattice,
              plan,
              [...(plan.notify ?? []), ...notify],
              session.journal?.store,
            )
            let record: RolloutRecord
            try {
              record = await runRollout(session, plan, {
                change: this.changeOptions({ ...flags, 'dry-run': false }),
                onEvent: (e) => {
                  view.event(e)
                  notifier.event(e)
                },
                onInterrupt: flags['on-interrupt'] as 'abort' | 'hold',
                interrupted,
                observe: flags.observe as ObserveMode,
              })
            } finally {
              const missed = await notifier.close()
              if (missed.count)
                process.stderr.write(
                  `Warning: ${missed.count} rollout notification${missed.count === 1 ? ' was' : 's were'} not delivered (to ${missed.receivers.join(', ')}).\n`,
                )
            }
            if (record.phase === 'rolled-back') {
              throw new LatticeError(
                'ROLLED_BACK',
                `The rollout of ${entityLabel(plan.entity)} was rolled back: ${record.message}.`,
                {
                  hint: `The stable weights are live again; see \`${rolloutCommand('status', plan.entity)}\` and \`lattice history\`.`,
                },
              )
            }
            if (record.phase === 'held') {
              throw new LatticeError(
                'ROLLOUT_HELD',
                `The rollout of ${entityLabel(plan.entity)} was interrupted and held at ${record.setWeight}%.`,
                {
                  hint: `\`${rolloutCommand('abort', plan.entity)}\` puts the stable weights back; \`lattice shift\` moves on by hand.`,
                },
              )
            }
          }
          await after?.(session)
        }),
      'The stable weights may not be back: `lattice rollout status` shows the rollout, `lattice rollout abort` puts them back.',
    )
  }

  static override ndjson = true
  static override longRunning = true
}
