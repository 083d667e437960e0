/**
 * The words of the emergency path (--without-state), in one place: the hint that errors about
 * an unreachable state give, and the warning a push without the state carries.
 */

export const WITHOUT_STATE_FLAG = '--without-state'

/** For STATE_UNAVAILABLE errors: the deliberate way through. */
export const WITHOUT_STATE_HINT = `In an emergency, the commands that change routing (shift, apply, swap, fault, rollout abort) accept ${WITHOUT_STATE_FLAG}: the change is pushed with no lock and no history (loudly warned), saved on this machine, and recorded in the history by the next change made here once the state is back (docs/safety.md, "When the state is down").`

/** The loud warning of a change pushed without the state; `file` is where it was saved for the history. */
export function withoutStateWarning(reason: string, file?: string): string {
  return `PUSHED WITHOUT THE LATTICE STATE (${reason}): no lock against other writers, and no history until the state is back.${file ? ` The change is saved in ${file}; the next change made from this machine with the state available records it in the history (from other machines it shows up as a drift revision).` : ''}`
}

/** The note when the flag was given but the state opened: it changed nothing. */
export const STATE_WAS_AVAILABLE = `The lattice state was available, so ${WITHOUT_STATE_FLAG} did nothing: this change is locked and recorded as usual.`

/** `history` and `status`: this machine holds pushes made without the state that the history does not have yet. */
export function unrecordedNote(pushes: { time: string; command: string }[]): string {
  const n = pushes.length
  return `This machine holds ${n} change${n === 1 ? '' : 's'} pushed without the lattice state and not in the history yet (${pushes.map((u) => `${u.time} ${u.command}`).join('; ')}): the next change made from this machine with --state-creds records ${n === 1 ? 'it' : 'them'}.`
}
