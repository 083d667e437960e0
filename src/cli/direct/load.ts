/**
 * Loads dist/direct/'s CommonJS files (a command and the vendor files it requires) with the V8
 * code cache written beside each at build time (<file>.v8cache, scripts/code-cache.js): compiling
 * them was about a fifth of a command's start-up, and Node 20 has no compile cache of its own
 * (module.enableCompileCache is Node 22's). V8 checks a cache against the source and its own
 * version and flags; one it rejects (another Node, a changed file) costs only the read, and the
 * file is compiled as require() would. Anything else is required as usual. Public APIs only
 * (vm.Script, createRequire): the file runs in the wrapper Node gives a CommonJS module.
 */
import { createRequire } from 'node:module'

const nodeRequire = createRequire(import.meta.url)
const { readFileSync } = nodeRequire('node:fs') as typeof import('node:fs')
const { dirname, join } = nodeRequire('node:path') as typeof import('node:path')
const { Script } = nodeRequire('node:vm') as typeof import('node:vm')
type Script = import('node:vm').Script

export type CacheUse = 'accepted' | 'rejected' | 'missing'

const loaded = new Map<string, { exports: unknown }>()
/** How each file's cache was used, in load order: for the test that the build's caches are taken. */
export const cacheUse: Array<[string, CacheUse]> = []

/**
 * `file`'s exports, loaded as require() would, with its code cache. `produce` (the build) reads
 * no cache but is handed each file's compiled script, to write its cache once it has run.
 */
export function loadDirect(file: string, produce?: (file: string, script: Script) => void): unknown {
  const done = loaded.get(file)
  if (done) return done.exports
  const source = readFileSync(file, 'utf8')
  let cachedData: Buffer | undefined
  if (!produce) {
    try {
      cachedData = readFileSync(`${file}.v8cache`)
    } catch {}
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
  })
  cacheUse.push([file, cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted'])
  const mod = { exports: {} }
  loaded.set(file, mod)
  const dir = dirname(file)
  const fileRequire = createRequire(file)
  const requireHere = Object.assign(
    (id: string) => (id.startsWith('./vendor.') ? loadDirect(join(dir, id), produce) : fileRequire(id)),
    { cache: fileRequire.cache, main: fileRequire.main, resolve: fileRequire.resolve },
  )
  try {
    script.runInThisContext({ displayErrors: true }).call(mod.exports, mod.exports, requireHere, mod, file, dir)
  } catch (err) {
    loaded.delete(file)
    throw err
  }
  produce?.(file, script)
  return mod.exports
}
