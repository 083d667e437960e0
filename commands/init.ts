import { Args, Flags } from '@oclif/core'
import { LatticeCommand } from '../src/cli/base.js'
import { DEFAULT_LISTEN, type InitResult, initDeployment } from '../src/ops/init.js'

export default class Init extends LatticeCommand {
  static override summary =
    'Write the keys, creds and nats-server config of a NATS deployment for lattice into a directory (no nsc needed).'
  static override description = `Writes an operator (with a signing key), a system account, an application account with JetStream limits (lattice's state bucket lives there), a user for each purpose and a nats-server config (operator mode, full resolver, system_account, resolver_preload, JetStream, listening on ${DEFAULT_LISTEN}), then prints what it wrote and the next steps. The same code writes the local lattice of \`lattice dev up\`.
Seed and creds files are mode 0600 and never printed (--json: paths and public keys only). Keys already in DIR are never overwritten unless --force. docs/setup.md explains each file, and the nsc way to the same setup.`

  static override examples = [
    {
      description: 'Write a deployment, then start its server',
      command: '<%= config.bin %> <%= command.id %> /etc/lattice-nats && nats-server -c /etc/lattice-nats/server.conf',
    },
    { description: 'Paths and public keys as JSON', command: '<%= config.bin %> <%= command.id %> ./nats --json' },
    {
      description: 'Replace the keys in DIR with new ones (its resolver and JetStream data are deleted)',
      command: '<%= config.bin %> <%= command.id %> ./nats --force',
    },
  ]

  static override args = {
    dir: Args.string({ description: 'Directory to write into (created if missing).', required: true }),
  }
  static override flags = {
    force: Flags.boolean({
      summary: 'Replace keys, creds and config already in DIR, and delete its jwt/ and js/ data.',
      default: false,
    }),
  }

  async run(): Promise<InitResult> {
    const { args, flags } = await this.parse(Init)
    const r = await initDeployment(args.dir, { force: flags.force })
    const f = (p: string) => p.slice(r.dir.length + 1).padEnd(15)
    const k = r.keys
    this.log(`Wrote a NATS deployment for lattice in ${r.dir} (seed and creds files mode 0600):`)
    for (const [file, what] of [
      [
        r.files.serverConf,
        `nats-server config: operator mode, full resolver, system account, JetStream; listens on ${r.listen}`,
      ],
      [r.files.operatorJwt, `operator ${k.operator}`],
      [r.files.operatorSeed, 'the operator identity seed: keep it offline (lattice does not need it)'],
      [
        r.files.signingKey,
        `operator signing key ${k.signingKey}: lattice signs account JWTs with it (LATTICE_SIGNING_KEY)`,
      ],
      [r.files.sysAccountSeed, `system account ${k.systemAccount} seed (to issue system users)`],
      [
        r.files.appAccountSeed,
        `application account ${k.appAccount} seed (to issue users: one per host, least privilege)`,
      ],
      [r.files.sysCreds, `system user ${k.users.sys}: lattice pushes account JWTs (NATS_CREDS)`],
      [
        r.files.stateCreds,
        `application user ${k.users.state}: history, locking, rollouts in JetStream (LATTICE_STATE_CREDS)`,
      ],
      [
        r.files.appCreds,
        `application user ${k.users.app}: watch, verify, rollouts observe traffic (LATTICE_APP_CREDS)`,
      ],
      [r.files.hostCreds, `application user ${k.users.host}: hosts connect with it (HOST_CREDS)`],
    ])
      this.log(`  ${f(file)} ${what}`)
    this.log('Next:')
    this.log(`  1. Start the server: nats-server -c ${r.files.serverConf}    (another port: add -p PORT)`)
    this.log("  2. Point lattice at it (here; elsewhere, the server's address and a copy of the files named):")
    for (const [name, value] of Object.entries(r.env))
      if (name !== 'HOST_CREDS') this.log(`     export ${name}=${JSON.stringify(value)}`)
    this.log(
      `  3. Start hosts as the application user: HOST_CREDS=${JSON.stringify(r.env.HOST_CREDS)} (examples/host/host.mjs), never NATS_CREDS.`,
    )
    this.log('  4. Check: lattice status. docs/setup.md explains each file, TLS and clusters.')
    return r
  }
}
