// Debian's nats-server package, taken as apt trusts it: the suite's InRelease signature checked
// with gpgv against Debian's archive keyring, the Packages index checked against the SHA256 that
// signed file gives it, the .deb against the index's SHA256; then its binary unpacked.
import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const HOW_TO_PROVIDE = `Give the binaries yourself instead: LATTICE_NATS_SERVERS=/path/to/nats-server-2.10.x,/path/to/nats-server-newest npm run test:servers
(any nats-server release binaries; the nats-server on PATH is always tested too).`

export class FetchError extends Error {}

export function debArch() {
  const r = spawnSync('dpkg', ['--print-architecture'], { encoding: 'utf8' })
  if (r.status === 0 && r.stdout.trim()) return r.stdout.trim()
  const map = { x64: 'amd64', arm64: 'arm64', arm: 'armhf', ppc64: 'ppc64el', s390x: 's390x', riscv64: 'riscv64' }
  const arch = map[process.arch]
  if (!arch) throw new FetchError(`no Debian architecture for ${process.arch}. ${HOW_TO_PROVIDE}`)
  return arch
}

function need(cmd, pkg) {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0)
    throw new FetchError(`the ${cmd} command is needed (Debian package ${pkg}). ${HOW_TO_PROVIDE}`)
}

export async function download(url, file) {
  let res
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(300_000) })
  } catch (e) {
    throw new FetchError(
      `cannot reach ${url} (${e.cause?.code ?? e.cause?.message ?? e.message}): offline, or no Debian mirror reachable from here. ${HOW_TO_PROVIDE}`,
    )
  }
  if (!res.ok) throw new FetchError(`${url} answered ${res.status} ${res.statusText}. ${HOW_TO_PROVIDE}`)
  const bytes = Buffer.from(await res.arrayBuffer())
  writeFileSync(file, bytes)
  return bytes
}

/** Debian version order, enough for one package's versions: epoch, then numbers and text in turn. */
function compareDebian(a, b) {
  const parts = (v) => v.split(/(\d+)/).map((p) => (/^\d+$/.test(p) ? Number(p) : p))
  const pa = parts(a)
  const pb = parts(b)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? ''
    const y = pb[i] ?? ''
    if (x === y) continue
    if (typeof x === 'number' && typeof y === 'number') return x - y
    return String(x) < String(y) ? -1 : 1
  }
  return 0
}

function keyring() {
  return process.env.LATTICE_DEBIAN_KEYRING || '/usr/share/keyrings/debian-archive-keyring.gpg'
}

/**
 * The SHA256 a suite's Release gives one of its files (`main/binary-amd64/Packages.xz`), read
 * from InRelease once gpgv has checked its signature against Debian's archive keyring.
 */
export async function releaseSha256(mirror, suite, path, work) {
  need('gpgv', 'gpgv')
  const keys = keyring()
  if (!existsSync(keys))
    throw new FetchError(
      `the keyring ${keys} is missing, so Debian's signed index cannot be checked: install it (apt-get install -y debian-archive-keyring) or name another with LATTICE_DEBIAN_KEYRING. ${HOW_TO_PROVIDE}`,
    )
  const url = `${mirror}/dists/${suite}/InRelease`
  const signed = join(work, `InRelease-${suite}`)
  const release = join(work, `Release-${suite}`)
  await download(url, signed)
  const r = spawnSync('gpgv', ['--keyring', keys, '--output', release, signed], { encoding: 'utf8' })
  if (r.status !== 0)
    throw new FetchError(`${url}: its signature does not check out against ${keys}; not used.\n${r.stderr.trim()}`)
  const sums = /^SHA256:\n((?:[ \t].*\n?)*)/m.exec(readFileSync(release, 'utf8'))?.[1] ?? ''
  for (const line of sums.split('\n')) {
    const [sha, , name] = line.trim().split(/\s+/)
    if (name === path) return sha
  }
  throw new FetchError(`${url} lists no SHA256 for ${path}; not used. ${HOW_TO_PROVIDE}`)
}

/** The nats-server entry of a suite's Packages index: Version, Filename, SHA256, Size. */
export async function packageEntry(mirror, suite, arch, work) {
  need('xz', 'xz-utils')
  const path = `main/binary-${arch}/Packages.xz`
  const expected = await releaseSha256(mirror, suite, path, work)
  const url = `${mirror}/dists/${suite}/${path}`
  const file = join(work, `Packages-${suite}.xz`)
  const sha = createHash('sha256')
    .update(await download(url, file))
    .digest('hex')
  if (sha !== expected)
    throw new FetchError(`${url}: SHA256 ${sha} is not the one the signed InRelease gives, ${expected}; not used`)
  const r = spawnSync('xz', ['-dc', file], { maxBuffer: 1 << 30, encoding: 'utf8' })
  if (r.status !== 0) throw new FetchError(`cannot decompress ${url}: ${r.stderr.trim()}`)
  const found = []
  for (const stanza of r.stdout.split('\n\n')) {
    if (!stanza.startsWith('Package: nats-server\n')) continue
    const field = (name) => new RegExp(`^${name}: (.*)$`, 'm').exec(stanza)?.[1]?.trim()
    found.push({
      version: field('Version'),
      filename: field('Filename'),
      sha256: field('SHA256'),
      size: Number(field('Size')),
    })
  }
  if (found.length === 0)
    throw new FetchError(`${suite} has no nats-server package for ${arch} (${url}). ${HOW_TO_PROVIDE}`)
  return found.sort((a, b) => compareDebian(a.version, b.version)).at(-1)
}

/** "1:2.10.27-1+b2" -> "2.10.27" */
export function upstreamVersion(debianVersion) {
  return debianVersion.replace(/^\d+:/, '').replace(/-[^-]*$/, '')
}

export function extractBinary(deb, work) {
  const out = join(work, 'root')
  mkdirSync(out, { recursive: true })
  if (spawnSync('dpkg-deb', ['-x', deb, out]).status !== 0) {
    // No dpkg-deb (not Debian): a .deb is an ar archive holding data.tar.*.
    need('ar', 'binutils')
    const arDir = join(work, 'ar')
    mkdirSync(arDir, { recursive: true })
    if (spawnSync('ar', ['x', deb], { cwd: arDir }).status !== 0) throw new FetchError(`cannot unpack ${deb} with ar`)
    const data = readdirSync(arDir).find((f) => f.startsWith('data.tar'))
    if (!data) throw new FetchError(`${deb} has no data.tar member`)
    const r = spawnSync('tar', ['-xf', join(arDir, data), '-C', out], { encoding: 'utf8' })
    if (r.status !== 0) throw new FetchError(`cannot extract ${data} from ${deb}: ${r.stderr.trim()}`)
  }
  const bin = ['usr/sbin/nats-server', 'usr/bin/nats-server'].map((p) => join(out, p)).find((p) => existsSync(p))
  if (!bin) throw new FetchError(`${deb} holds no usr/sbin/nats-server`)
  return bin
}
