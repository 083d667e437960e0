import { Args, Flags } from '@oclif/core'
import { LatticeCommand, appFlags, connectionFlags, observeFlags } from '../src/cli/base.js'
import type { ObserveMode } from '../src/traffic/observation.js'
import { FrameView } from '../src/views/observe-view.js'
import { untilInterrupted } from '../src/cli/interrupt.js'
import { viewMode } from '../src/views/rollout-view.js'
import { entityFlags, entityOf } from '../src/cli/entity-flags.js'
import { watch } from '../src/ops/watch-split.js'
import { resolveTarget, withSession } from '../src/ops/session.js'
import { parseDuration } from '../src/plan/duration.js'

export default class Watch extends LatticeCommand {
  static override summary = 'Live view of the observed split per entity: bars with rates, refreshed in place.'
  static override description = `Observes real calls passively (nothing is sent): per entity, from the hosts' metrics reports when every instance serving its weighted versions runs on a host that reports (host-core), otherwise by subscribing to its versioned subjects (for a wasmCloud component {lattice}.VERSION.wrpc.>); each entity says which (--observe forces one). Draws, per entity and version, the observed share next to the configured weight.
On a terminal the view is redrawn in place; otherwise (CI) one block per interval; --json prints one JSON object per interval (NDJSON). Ctrl-C stops.`

  static override examples = [
    { description: 'Every weighted entity of the lattice', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Two actors, every 2 s',
      command: '<%= config.bin %> <%= command.id %> MBXYZ... MCABC... --interval 2s',
    },
    {
      description: 'The wasmCloud component hello (its versions are component IDs, e.g. hello-v2)',
      command: '<%= config.bin %> <%= command.id %> hello',
    },
    {
      description: 'Ten frames of NDJSON for a script',
      command: '<%= config.bin %> <%= command.id %> --json --count 10',
    },
  ]

  static override strict = false
  static override ndjson = true
  static override longRunning = true
  static override args = {
    ids: Args.string({
      description:
        'Actor (M...), provider (V...) or wasmCloud component IDs (any other name), or with --service service names; default: every weighted entity.',
    }),
  }
  static override flags = {
    ...connectionFlags,
    ...appFlags,
    ...observeFlags,
    ...entityFlags,
    interval: Flags.string({ summary: 'Refresh interval.', default: '1s' }),
    count: Flags.integer({ min: 1, summary: 'Stop after N refreshes.' }),
  }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Watch)
    const only = (argv as string[]).map((id) => entityOf(id, flags))
    const intervalMs = parseDuration(flags.interval, '--interval')
    const target = resolveTarget(this.targetOptions(flags), 'none')
    const view = new FrameView(viewMode(this.jsonEnabled()), (t) => process.stdout.write(t))
    await untilInterrupted((stopped) =>
      withSession(target, (s) =>
        watch(s, only, { intervalMs, frames: flags.count, stopped, observe: flags.observe as ObserveMode }, (f) =>
          view.frame(f),
        ),
      ),
    )
  }
}
