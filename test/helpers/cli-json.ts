/** Typed reads of the CLI's JSON output that tests share: the history's revisions and an entity's live weights. */
import { json, lattice } from './cli.js'

/** One revision of `lattice history --json`. */
export interface Revision {
  revision: number
  kind: string
  who: { user: string; host: string }
  command: string
  changes: { entity: { id: string }; before: Record<string, number> | null; after: Record<string, number> | null }[]
  rebasedFrom?: number
  completedBy?: { user: string }
  rolledBackTo?: number
  pushedWithoutState?: boolean
}

export interface HistoryJson {
  revisions: Revision[]
  pending?: { revision: number }
}

/** The revisions that change `id` (all of them without `id`), oldest first. */
export async function historyOf(env: Record<string, string>, id?: string): Promise<Revision[]> {
  const h = json<HistoryJson>(await lattice(['history', '--json'], env))
  return id ? h.revisions.filter((r) => r.changes.some((c) => c.entity.id === id)) : h.revisions
}

/** The live weights of entity `id` as `lattice status --json` reads them (undefined: not routed). */
export async function weightsOf(env: Record<string, string>, id: string): Promise<Record<string, number> | undefined> {
  return json<{ routes: { id: string; weights: Record<string, number> }[] }>(
    await lattice(['status', '--json'], env),
  ).routes.find((r) => r.id === id)?.weights
}
