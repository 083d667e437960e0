/**
 * Inside a journaled change, with the lock held: record the pushes this machine made
 * --without-state (src/state/unrecorded.ts) as revisions of their own, one per lock, before
 * anything else looks at the live routing. Those that no longer follow on from the head are
 * dropped with a warning; whatever they changed that is still live is then recorded as drift.
 */
import { type Head, type Journal, type Who, whoText } from '../state/journal.js'
import { removeFile } from '../state/machine-files.js'
import type { Versioned } from '../state/store.js'
import { listUnrecorded, planReplay, replayedRecord } from '../state/unrecorded.js'

/** True when the head moved (a saved push was recorded, or another writer got there first): take the lock again. */
export async function replayUnrecorded(
  journal: Journal,
  mine: Versioned<Head>,
  who: Who,
  notes: string[],
): Promise<boolean> {
  const saved = listUnrecorded(journal.account)
  if (saved.length === 0) return false
  const plan = planReplay(mine.value, saved)
  for (const s of plan.recorded) removeFile(s.file)
  if (plan.broken.length > 0) {
    for (const s of plan.broken) removeFile(s.file)
    const n = plan.broken.length
    notes.push(
      `${n} change${n === 1 ? '' : 's'} pushed from this machine without the lattice state (${plan.broken.map((s) => `${s.push.time} ${s.push.command}`).join('; ')}) no longer follow${n === 1 ? 's' : ''} on from the recorded history (it moved on elsewhere): not replayed, and the saved cop${n === 1 ? 'y was' : 'ies were'} deleted. Whatever of ${n === 1 ? 'it' : 'them'} is still live is recorded as a drift revision.`,
    )
  }
  if (!plan.next) return false
  const { push, file } = plan.next
  const revision = mine.value.revision + 1
  if (!(await journal.commit(mine, replayedRecord(push, revision, who)))) return true
  removeFile(file)
  notes.push(
    `Recorded revision ${revision}: a change pushed without the lattice state at ${push.time} by ${whoText(push.who)} (${push.command}).`,
  )
  return true
}
