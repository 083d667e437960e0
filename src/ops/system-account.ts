/**
 * The system account carries no application traffic: mappings in its JWT steer nothing, and a
 * push of it would rewrite the account the servers run their own traffic in. lattice refuses it
 * as --account (LATTICE_ACCOUNT) wherever it can tell, and --force does not change that.
 */
import { LatticeError } from '../errors.js'
import type { Connection } from '../resolver/connection.js'
import { fetchServerFacts } from '../resolver/server-info.js'

export function systemAccountError(account: string, how: string): LatticeError {
  return new LatticeError(
    'SYSTEM_ACCOUNT',
    `Account ${account} is the system account (${how}): it carries no application traffic, so lattice does not route in it. Nothing was changed.`,
    {
      hint: 'Pass --account (LATTICE_ACCOUNT) with the account your actors and providers run in; --creds stays a system-account user.',
      details: { account },
    },
  )
}

/** For commands that read the history but not the live JWT (history, rollback): the system account has none. */
export async function refuseSystemAccount(conn: Connection, account: string): Promise<void> {
  // These commands need only the state: a server that does not answer is no reason to fail them.
  const facts = await fetchServerFacts(conn).catch(() => undefined)
  if (facts?.systemAccount === account) throw systemAccountError(account, `server ${facts.server} says so`)
}
