/**
 * What scripts/bundle.js puts in place of each package oclif seldom uses: a stand-in that
 * requires the real one (dist/cli/lazy/<name>.cjs) through `lazy()` on first call.
 */
// oclif requires these at load for code paths lattice's runs seldom or never take: tinyglobby
// finds commands when there is no manifest, minimatch matches plugin names, semver checks the
// node version (a check that cannot run in a bundle: it reads __dirname, which ESM has not),
// lilconfig reads an .oclifrc (oclif's own config is in package.json), ejs renders help
// templates (only strings with a template tag, such as examples with <%= config.bin %>, need
// it: passing each flag's summary through it compiled each into a function, a third of
// `--help`), and debug prints only with DEBUG set. Each is built into its own file,
// dist/cli/lazy/<name>.cjs, required on first call: start-up neither compiles nor evaluates
// their ~250 kB.
export const LAZY = {
  tinyglobby: 'exports.glob = (...a) => lazy().glob(...a)',
  // oclif matches its plugin list against the dependencies at every start: a pattern with no
  // glob syntax matches only itself.
  minimatch: String.raw`exports.minimatch = (path, pattern, options) => (options === undefined && /^[^!#]/.test(pattern) && !/[*?[\]{}\\]|[!+@]\(/.test(pattern) ? path === pattern : lazy().minimatch(path, pattern, options))`,
  semver: 'exports.satisfies = (...a) => lazy().satisfies(...a)',
  lilconfig: 'exports.lilconfig = (...a) => lazy().lilconfig(...a)',
  ejs: "exports.render = (template, data, options) => (template.includes('<%') ? lazy().render(template, data, options) : template)",
  // Without DEBUG, a debug function that is off (all oclif asks of it).
  debug: `const off = () => { const d = () => {}; d.enabled = false; d.extend = () => d; return d }
module.exports = process.env.DEBUG ? lazy() : Object.assign(off, { enable() {}, disable: () => '', enabled: () => false })`,
}
