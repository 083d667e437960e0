/**
 * scripts/fetch-nats-servers.js against a local stand-in for a Debian mirror (a real .deb built
 * with dpkg-deb, a real Packages.xz, an InRelease signed with gpg by a key made for the test), so
 * the whole path runs with no network: signature, index, SHA256s, extraction, cache, and the
 * errors a user sees.
 */
import { execFile, execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { type Server, createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { skipIf, skips } from '../helpers/skips.js'

const SCRIPT = fileURLToPath(new URL('../../scripts/fetch-nats-servers.js', import.meta.url))
const tools = skips.noDebTools() === undefined
const arch = tools ? execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim() : ''

let dir: string
let http: Server
let mirror: string
let requests: string[] = []
let corrupt = false
/** The keyring holding the test's signing key (LATTICE_DEBIAN_KEYRING), and one holding another key. */
let keyring: string
let otherKeyring: string
let files: Map<string, Buffer>

/** A new signing key in its own GnuPG home, and a keyring file holding its public key. */
function signingKey(name: string): { home: string; keyring: string } {
  const home = mkdtempSync(join(tmpdir(), 'lattice-gpg-'))
  chmodSync(home, 0o700)
  execFileSync(
    'gpg',
    [
      '--homedir',
      home,
      '--batch',
      '--passphrase',
      '',
      '--quick-gen-key',
      `${name} <${name}@example.org>`,
      'ed25519',
      'sign',
      'never',
    ],
    { stdio: 'ignore' },
  )
  const ring = join(dir, `${name}.gpg`)
  writeFileSync(ring, execFileSync('gpg', ['--homedir', home, '--export']))
  return { home, keyring: ring }
}

/** A suite's InRelease: a Release listing each file's SHA256 and size, clear-signed with `home`'s key. */
function inRelease(home: string, suite: string, listed: Record<string, Buffer>): Buffer {
  const sums = Object.entries(listed).map(
    ([path, body]) => ` ${createHash('sha256').update(body).digest('hex')} ${body.length} ${path}`,
  )
  const release = `Origin: Debian\nSuite: ${suite}\nSHA256:\n${sums.join('\n')}\n`
  return execFileSync('gpg', ['--homedir', home, '--batch', '--clearsign', '--output', '-'], { input: release })
}

/** A .deb whose usr/sbin/nats-server is a script that reports `version`. */
function fakeDeb(version: string): Buffer {
  const root = join(dir, `pkg-${version}`)
  mkdirSync(join(root, 'DEBIAN'), { recursive: true })
  mkdirSync(join(root, 'usr', 'sbin'), { recursive: true })
  writeFileSync(
    join(root, 'DEBIAN', 'control'),
    `Package: nats-server\nVersion: ${version}-1\nArchitecture: ${arch}\nMaintainer: test <t@example.org>\nDescription: stand-in\n`,
  )
  writeFileSync(join(root, 'usr', 'sbin', 'nats-server'), `#!/bin/sh\necho "nats-server: v${version}"\n`)
  chmodSync(join(root, 'usr', 'sbin', 'nats-server'), 0o755)
  execFileSync('dpkg-deb', ['--build', '--root-owner-group', root, join(dir, `nats-server_${version}.deb`)], {
    stdio: 'ignore',
  })
  return readFileSync(join(dir, `nats-server_${version}.deb`))
}

function run(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SCRIPT],
      { env: { ...process.env, LATTICE_DEBIAN_KEYRING: keyring, ...env }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    )
  })
}

beforeAll(async () => {
  if (!tools) return
  dir = mkdtempSync(join(tmpdir(), 'lattice-fetch-'))
  const signer = signingKey('lattice-test')
  keyring = signer.keyring
  otherKeyring = signingKey('someone-else').keyring
  files = new Map<string, Buffer>()
  for (const [suite, version] of [
    ['trixie', '2.10.99'],
    ['sid', '2.99.1'],
  ]) {
    const deb = fakeDeb(version)
    const filename = `pool/main/n/nats-server/nats-server_${version}-1_${arch}.deb`
    files.set(`/debian/${filename}`, deb)
    const sha = createHash('sha256').update(deb).digest('hex')
    // Another package first and an older nats-server too: the newest nats-server is picked.
    const index = `Package: nats-server-extra\nVersion: 9.9.9\nFilename: nope\nSHA256: 00\nSize: 1\n\nPackage: nats-server\nVersion: 2.0.0-1\nFilename: old\nSHA256: 00\nSize: 1\n\nPackage: nats-server\nVersion: ${version}-1\nFilename: ${filename}\nSize: ${deb.length}\nSHA256: ${sha}\n\n`
    const packages = execFileSync('xz', ['-c'], { input: index })
    files.set(`/debian/dists/${suite}/main/binary-${arch}/Packages.xz`, packages)
    // The Release lists the index (and another file before it, as Debian's does).
    files.set(
      `/debian/dists/${suite}/InRelease`,
      inRelease(signer.home, suite, {
        'main/Contents-all.gz': Buffer.from('x'),
        [`main/binary-${arch}/Packages.xz`]: packages,
      }),
    )
  }
  http = createServer((req, res) => {
    requests.push(req.url ?? '')
    const body = files.get(req.url ?? '')
    if (!body) return res.writeHead(404).end()
    res.writeHead(200).end(corrupt && req.url?.endsWith('.deb') ? Buffer.concat([body, Buffer.from('x')]) : body)
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()))
  mirror = `http://127.0.0.1:${(http.address() as { port: number }).port}/debian`
})
afterAll(async () => {
  await new Promise((r) => http?.close(r))
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('scripts/fetch-nats-servers.js', skipIf(skips.noDebTools()), () => {
  it('fetches each suite newest nats-server, checks it and extracts it; a second run downloads nothing', async () => {
    const cache = join(dir, 'cache')
    const r = await run({ LATTICE_DEBIAN_MIRROR: mirror, LATTICE_NATS_SERVERS_CACHE: cache })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe(`2.10.99 ${cache}/2.10.99/nats-server\n2.99.1 ${cache}/2.99.1/nats-server\n`)
    expect(execFileSync(`${cache}/2.99.1/nats-server`, ['--version'], { encoding: 'utf8' })).toBe(
      'nats-server: v2.99.1\n',
    )
    requests = []
    const again = await run({ LATTICE_DEBIAN_MIRROR: mirror, LATTICE_NATS_SERVERS_CACHE: cache })
    expect(again.stdout).toBe(r.stdout)
    expect(requests).toEqual([])
    // A cache copied elsewhere (e.g. into a fresh clone) serves its own binaries, offline too.
    const moved = join(dir, 'cache-moved')
    cpSync(cache, moved, { recursive: true })
    const offline = await run({ LATTICE_DEBIAN_MIRROR: 'http://127.0.0.1:9/debian', LATTICE_NATS_SERVERS_CACHE: moved })
    expect(offline.stdout).toBe(`2.10.99 ${moved}/2.10.99/nats-server\n2.99.1 ${moved}/2.99.1/nats-server\n`)
  })

  it('refuses a download whose SHA256 is not the index one', async () => {
    corrupt = true
    try {
      const r = await run({ LATTICE_DEBIAN_MIRROR: mirror, LATTICE_NATS_SERVERS_CACHE: join(dir, 'cache-bad') })
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/SHA256 [0-9a-f]{64} is not the index's [0-9a-f]{64}; not used/)
    } finally {
      corrupt = false
    }
  })

  it('refuses an index whose InRelease is not signed by a key of the keyring', async () => {
    requests = []
    const r = await run({
      LATTICE_DEBIAN_MIRROR: mirror,
      LATTICE_NATS_SERVERS_CACHE: join(dir, 'cache-other-key'),
      LATTICE_DEBIAN_KEYRING: otherKeyring,
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /\/dists\/trixie\/InRelease: its signature does not check out against .*someone-else\.gpg; not used/,
    )
    expect(requests.some((u) => u.endsWith('.deb'))).toBe(false)
  })

  it('refuses a Packages.xz whose SHA256 is not the one the signed InRelease gives', async () => {
    const path = `/debian/dists/trixie/main/binary-${arch}/Packages.xz`
    const good = files.get(path) as Buffer
    files.set(
      path,
      execFileSync('xz', ['-c'], {
        input: 'Package: nats-server\nVersion: 9.9.9-1\nFilename: evil.deb\nSHA256: 00\nSize: 1\n\n',
      }),
    )
    try {
      const r = await run({ LATTICE_DEBIAN_MIRROR: mirror, LATTICE_NATS_SERVERS_CACHE: join(dir, 'cache-tampered') })
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(
        /Packages\.xz: SHA256 [0-9a-f]{64} is not the one the signed InRelease gives, [0-9a-f]{64}; not used/,
      )
    } finally {
      files.set(path, good)
    }
  })

  it('without the keyring, says how to get it', async () => {
    const r = await run({
      LATTICE_DEBIAN_MIRROR: mirror,
      LATTICE_NATS_SERVERS_CACHE: join(dir, 'cache-no-keyring'),
      LATTICE_DEBIAN_KEYRING: join(dir, 'none.gpg'),
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /the keyring .*none\.gpg is missing, so Debian's signed index cannot be checked: install it \(apt-get install -y debian-archive-keyring\)/,
    )
  })

  it('offline: says what failed and how to give the binaries instead', async () => {
    const r = await run({
      LATTICE_DEBIAN_MIRROR: 'http://127.0.0.1:9/debian',
      LATTICE_NATS_SERVERS_CACHE: join(dir, 'cache-off'),
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9\/debian\/dists\/trixie\/InRelease/)
    expect(r.stderr).toMatch(
      /LATTICE_NATS_SERVERS=\/path\/to\/nats-server-2\.10\.x,\/path\/to\/nats-server-newest npm run test:servers/,
    )
  })

  it('takes the mirror from apt sources (one-line and deb822), never a -security one', () => {
    const apt = join(dir, 'apt')
    mkdirSync(join(apt, 'sources.list.d'), { recursive: true })
    writeFileSync(
      join(apt, 'sources.list.d', 'a.sources'),
      'Types: deb\nURIs: http://security.example.org/debian\nSuites: bookworm-security\nComponents: main\n\nTypes: deb\nURIs: http://mirror.example.org/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n',
    )
    const mirrorOf = () =>
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import(${JSON.stringify(SCRIPT)}).then((m) => console.log(m.debianMirror(${JSON.stringify(apt)})))`,
        ],
        { encoding: 'utf8', env: { ...process.env, LATTICE_DEBIAN_MIRROR: '' } },
      ).trim()
    expect(mirrorOf()).toBe('http://mirror.example.org/debian')
    writeFileSync(join(apt, 'sources.list.d', 'a.sources'), '')
    writeFileSync(
      join(apt, 'sources.list'),
      '# deb http://commented.example.org/debian bookworm main\ndeb [arch=amd64] http://ftp.example.org/debian bookworm main\n',
    )
    expect(mirrorOf()).toBe('http://ftp.example.org/debian')
    rmSync(join(apt, 'sources.list'))
    expect(mirrorOf()).toBe('http://deb.debian.org/debian')
  })
})
