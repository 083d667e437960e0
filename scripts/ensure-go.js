#!/usr/bin/env node
// Make sure Go and nats.go's micro package are there before the tests run (the services test builds
// a Go service on micro, as users write them): on Debian as root, install the distribution's
// packages; otherwise say how. Never fails: without Go that test is skipped, saying why.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { aptInstall, mayInstall } from './apt-install.js'

const MICRO = '/usr/share/gocode/src/github.com/nats-io/nats.go/micro'
const missing = () => [
  ...(spawnSync('sh', ['-c', 'command -v go']).status === 0 ? [] : ['golang-go']),
  ...(existsSync(MICRO) ? [] : ['golang-github-nats-io-go-nats-dev']),
]

let need = missing()
if (need.length > 0 && mayInstall()) {
  try {
    aptInstall(need, `${need.join(', ')} not found (the services test builds a Go service on nats.go's micro)`, {
      noRecommends: true,
    })
  } catch (e) {
    console.error(`could not install ${need.join(', ')}: ${e.message}`)
  }
  need = missing()
}
if (need.length > 0)
  console.error(
    `The Go service test (nats.go micro) is skipped: ${need.join(', ')} missing (Debian/Ubuntu: sudo apt-get install -y golang-go golang-github-nats-io-go-nats-dev).`,
  )
else console.error(`using Go and nats.go micro (${MICRO})`)
