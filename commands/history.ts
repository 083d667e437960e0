import { Flags } from '@oclif/core'
import { LatticeCommand, connectionFlags } from '../src/cli/base.js'
import { renderHistory } from '../src/views/routing-view.js'
import { type HistoryResult, history } from '../src/ops/history.js'
import { resolveTarget, withSession } from '../src/ops/session.js'

export default class History extends LatticeCommand {
  static override summary = 'List the recorded revisions of the lattice: when, who, the command, and the change.'
  static override description = `Needs --state-creds (LATTICE_STATE_CREDS): revisions are kept in a JetStream KV bucket, so every machine sees the same history.
Changes made outside lattice are listed as drift revisions when a lattice command finds them.
Changes pushed with --without-state while the state was down are listed with the kind "change*" (pushed without state, recorded later).
The text view cuts keys to their first 8 characters (MD4GAB2C…) and lists each revision's changes on the lines below it, wrapping long lines to the terminal's width (120 columns when not a terminal; the command goes below its row when the terminal is too narrow for it beside the columns); --full-keys prints keys whole and does not wrap.`

  static override examples = [
    { description: 'Every revision', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'The last five, for scripts', command: '<%= config.bin %> <%= command.id %> --limit 5 --json' },
    { description: 'With whole keys, to copy one', command: '<%= config.bin %> <%= command.id %> --full-keys' },
  ]

  static override flags = {
    ...connectionFlags,
    limit: Flags.integer({ min: 1, summary: 'Show only the latest N revisions.' }),
    'full-keys': Flags.boolean({
      summary:
        'Print keys whole, lines unwrapped (the text view cuts keys to 8 characters and …; --json always has them whole).',
    }),
  }

  async run(): Promise<HistoryResult> {
    const { flags } = await this.parse(History)
    const target = resolveTarget(this.targetOptions(flags), 'none')
    const result = await withSession(target, (s) => history(s, { limit: flags.limit }))
    this.warnAll(result.warnings)
    this.log(
      renderHistory(result, {
        fullKeys: flags['full-keys'],
        width: process.stdout.isTTY ? process.stdout.columns : undefined,
      }),
    )
    return result
  }
}
