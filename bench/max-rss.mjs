// Preloaded (node --import) by bench/common.ts measureNode: writes the process's peak memory
// (maxRSS, KiB) to fd 3 as it exits.
import { writeSync } from 'node:fs'
process.on('exit', () => writeSync(3, `${process.resourceUsage().maxRSS}\n`))
