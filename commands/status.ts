import { Flags } from '@oclif/core'
import { LatticeCommand, appFlags, connectionFlags } from '../src/cli/base.js'
import { renderServers, renderStatus } from '../src/views/routing-view.js'
import { renderServices } from '../src/views/services-view.js'
import { renderStateHealth } from '../src/views/state-view.js'
import { resolveTarget, withSession } from '../src/ops/session.js'
import { type StatusResult, status } from '../src/ops/status.js'

export default class Status extends LatticeCommand {
  static override summary = 'Show the live routes of the lattice: per entity, each version and its share of traffic.'
  static override description = `Reads the live account JWT from the resolver, verifies it, and decodes the mappings under wasmbus.rpc.<lattice>. (actors and providers, versioned RPC) and <lattice>.<component-id>.wrpc.> (wasmCloud 1.x components, wRPC; KIND "component (wRPC)").
Entities that run (host-core instances subscribe to their versioned subjects; wasmCloud hosts to a component ID's wRPC subjects) but have no route are listed too, with the weight "unrouted" and their instances per version.
With --app-creds it also lists the account's services (the NATS services framework: nats.js services, nats.go micro, ...) as their instances announce themselves on $SRV.INFO: each version with its instances and endpoint subjects, and the subjects several versions share (those cannot be steered). See docs/services.md.`

  static override examples = [
    { description: 'Table of live routes', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Has every server caught up with the latest change?',
      command: '<%= config.bin %> <%= command.id %> --servers',
    },
    { description: 'For scripts', command: '<%= config.bin %> <%= command.id %> --json' },
    {
      description: "Also the account's services (NATS services framework)",
      command: '<%= config.bin %> <%= command.id %> --app-creds app.creds',
    },
  ]

  static override flags = {
    ...connectionFlags,
    ...appFlags,
    servers: Flags.boolean({
      summary:
        "Also show, per server, whether it runs the newest account JWT and every mapping of it as written (and, with --state-creds, the state bucket's replicas).",
      default: false,
    }),
  }

  async run(): Promise<StatusResult> {
    const { flags } = await this.parse(Status)
    const target = resolveTarget(this.targetOptions(flags), 'none')
    const result = await this.spin('reading the live state', () =>
      withSession(target, (s) => status(s, { servers: flags.servers })),
    )
    this.warnAll(result.warnings)
    this.log(renderStatus(result))
    if (result.state)
      this.log(
        `\nRevision ${result.state.revision}${result.state.pending === undefined ? '' : ` (revision ${result.state.pending} in flight)`}${result.state.drift.length ? `; changed outside lattice since: ${result.state.drift.length} subject(s)` : ''}.`,
      )
    if (result.servers) this.log(`\n${renderServers(result)}`)
    if (result.stateBucket) this.log(`\n${renderStateHealth(result.stateBucket)}`)
    const services = result.services && renderServices(result.services)
    if (services) this.log(`\n${services}`)
    return result
  }
}
