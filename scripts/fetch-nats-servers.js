#!/usr/bin/env node
// Newer nats-server binaries for the server matrix (npm run test:servers), taken from Debian's
// own packages: trixie (2.10.x) and sid (the newest). Each .deb is found through the suite's
// Packages index on the machine's Debian mirror (read from its apt sources, never changed), as
// apt trusts it: the suite's InRelease signature checked with gpgv against Debian's archive
// keyring, the index checked against the SHA256 that signed file gives it, the .deb against the
// index's SHA256. Its binary is extracted to <cache>/<version>/nats-server. A binary already
// there with that version is not fetched again.
//
//   node scripts/fetch-nats-servers.js          fetch if needed, print "<version> <path>" lines
//   LATTICE_NATS_SERVERS_CACHE=<dir>            cache folder (default .cache/nats-servers here)
//   LATTICE_DEBIAN_MIRROR=<uri>                 mirror to use instead of the apt sources' one
//   LATTICE_DEBIAN_KEYRING=<file>               keyring to check InRelease with (default Debian's)
import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  FetchError,
  HOW_TO_PROVIDE,
  debArch,
  download,
  extractBinary,
  packageEntry,
  upstreamVersion,
} from './nats-server-deb.js'

export const SUITES = ['trixie', 'sid']
const FALLBACK_MIRROR = 'http://deb.debian.org/debian'
const PROJECT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
// Re-read a suite's index at most this often: sid moves, but not by the hour.
const RECHECK_MS = 24 * 60 * 60 * 1000

export function cacheDir() {
  return resolve(process.env.LATTICE_NATS_SERVERS_CACHE ?? join(PROJECT, '.cache', 'nats-servers'))
}

/** The version a nats-server binary reports ("nats-server: v2.10.27" -> "2.10.27"), or undefined if it does not run. */
export function binaryVersion(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20_000 })
  if (r.status !== 0) return undefined
  return /v?(\d+\.\d+\.\d+\S*)/.exec(r.stdout)?.[1]
}

/** Debian URIs of the machine's apt sources: one-line `deb` entries and deb822 `.sources` stanzas. */
export function aptSourceEntries(root = '/etc/apt') {
  const entries = []
  const files = []
  if (existsSync(join(root, 'sources.list'))) files.push(join(root, 'sources.list'))
  const dir = join(root, 'sources.list.d')
  if (existsSync(dir))
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.list') || f.endsWith('.sources')) files.push(join(dir, f))
  for (const file of files) {
    let text
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const fields = {}
        for (const line of stanza.split('\n')) {
          const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line)
          if (m) fields[m[1].toLowerCase()] = m[2].trim()
        }
        if (!(fields.types ?? '').split(/\s+/).includes('deb') || /^no$/i.test(fields.enabled ?? '')) continue
        for (const uri of (fields.uris ?? '').split(/\s+/).filter(Boolean))
          entries.push({ uri, suites: (fields.suites ?? '').split(/\s+/).filter(Boolean) })
      }
    } else {
      for (const raw of text.split('\n')) {
        const line = raw.replace(/#.*/, '').trim()
        const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line)
        if (m) entries.push({ uri: m[1], suites: [m[2]] })
      }
    }
  }
  return entries
}

/** The Debian archive the machine already uses (its URI ends in /debian), else deb.debian.org. */
export function debianMirror(root) {
  if (process.env.LATTICE_DEBIAN_MIRROR) return process.env.LATTICE_DEBIAN_MIRROR.replace(/\/+$/, '')
  for (const { uri, suites } of aptSourceEntries(root)) {
    const base = uri.replace(/\/+$/, '')
    if (!/^https?:\/\//.test(base) || !base.endsWith('/debian')) continue
    // The main archive serves plain codenames (bookworm, trixie, sid...), not only -security.
    if (suites.some((s) => /^[a-z]+(-updates|-backports)?$/.test(s))) return base
  }
  return FALLBACK_MIRROR
}

function readManifest(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

/** The binary of one suite's nats-server, fetched unless the cache has it. */
export async function fetchSuite(
  suite,
  { cache = cacheDir(), mirror = debianMirror(), refresh = false, log = () => {} } = {},
) {
  mkdirSync(cache, { recursive: true })
  const manifestFile = join(cache, `${suite}.json`)
  const read = readManifest(manifestFile)
  // The binary is where this cache keeps it now (a cache copied or moved elsewhere still works).
  const manifest = read?.version ? { ...read, binary: join(cache, read.version, 'nats-server') } : undefined
  const cached =
    manifest && existsSync(manifest.binary) && binaryVersion(manifest.binary) === manifest.version
      ? manifest
      : undefined
  if (cached && !refresh && Date.now() - (cached.checkedAt ?? 0) < RECHECK_MS) return cached

  const work = mkdtempSync(join(tmpdir(), 'nats-servers-'))
  try {
    const arch = debArch()
    let entry
    try {
      entry = await packageEntry(mirror, suite, arch, work)
    } catch (e) {
      if (cached && e instanceof FetchError) {
        log(
          `${suite}: cannot check for a newer package (${e.message.split('. ')[0]}); using the cached ${cached.version}`,
        )
        return cached
      }
      throw e
    }
    const version = upstreamVersion(entry.version)
    const binary = join(cache, version, 'nats-server')
    const result = { suite, version, debianVersion: entry.version, sha256: entry.sha256, binary, checkedAt: Date.now() }
    if (existsSync(binary) && binaryVersion(binary) === version) {
      writeFileSync(manifestFile, `${JSON.stringify(result, null, 2)}\n`)
      return result
    }
    const url = `${mirror}/${entry.filename}`
    log(`${suite}: downloading nats-server ${entry.version} from ${url}`)
    const deb = join(work, 'nats-server.deb')
    const bytes = await download(url, deb)
    const sha = createHash('sha256').update(bytes).digest('hex')
    if (sha !== entry.sha256) throw new FetchError(`${url}: SHA256 ${sha} is not the index's ${entry.sha256}; not used`)
    const extracted = extractBinary(deb, work)
    mkdirSync(dirname(binary), { recursive: true })
    copyFileSync(extracted, `${binary}.part`)
    chmodSync(`${binary}.part`, 0o755)
    const runs = binaryVersion(`${binary}.part`)
    if (runs !== version) {
      rmSync(`${binary}.part`, { force: true })
      throw new FetchError(
        `the nats-server ${version} of Debian ${suite} does not run here (it reported ${runs ?? 'nothing'}). ${HOW_TO_PROVIDE}`,
      )
    }
    spawnSync('mv', ['-f', `${binary}.part`, binary])
    writeFileSync(manifestFile, `${JSON.stringify(result, null, 2)}\n`)
    return result
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

export async function fetchAll(opts = {}) {
  if (process.platform !== 'linux')
    throw new FetchError(`Debian's packages hold Linux binaries and this is ${process.platform}. ${HOW_TO_PROVIDE}`)
  const results = []
  for (const suite of SUITES) results.push(await fetchSuite(suite, opts))
  return results
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const refresh = process.argv.includes('--refresh')
    const log = (m) => console.error(m)
    log(`Debian mirror: ${debianMirror()}; cache: ${cacheDir()}`)
    for (const r of await fetchAll({ refresh, log })) console.log(`${r.version} ${r.binary}`)
  } catch (e) {
    console.error(`fetch-nats-servers: ${e instanceof FetchError ? e.message : e.stack}`)
    process.exit(1)
  }
}
