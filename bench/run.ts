/** `npm run bench`: every benchmark against real local nats-server processes (not part of npm test). */
import { execFileSync } from 'node:child_process'

const scripts = ['bench/host-core.ts']
for (const s of scripts) execFileSync(process.execPath, ['--import', 'tsx', s], { stdio: 'inherit' })
