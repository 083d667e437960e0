import type { Who } from '../state/journal.js'

/** Who did something, as the terminal and the dashboard write it: `user@host`, with the CI job after it when there is one. */
export const whoText = (w: Who) => `${w.user}@${w.host}${w.ci ? ` (${w.ci})` : ''}`
