// Writes dist/help/: every piece of every help page (root, topics, commands) that does not depend
// on the terminal's width, computed by oclif's own help code and lattice's help class
// (scripts/help-pages.js), one file per page, and help.json, the index (which page each id names,
// each lattice command's file for src/cli/direct/run.ts; what the pages were built from).
// src/cli/fast-help.ts lays them out at the width of the terminal, as oclif does, so that
// `lattice ... --help` answers without loading oclif (issue #19). Runs after `oclif manifest`
// (`npm run build`): oclif reads the commands from the manifest.
//
// Colour: the pieces are computed with colour on (FORCE_COLOR, set before oclif loads), so the
// flag values carry oclif's underline; fast-help strips it when the terminal has no colour (the
// only codes in the file, checked below).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { directModule } from './bundle-direct.js'
import { helpPages } from './help-pages.js'

process.env.FORCE_COLOR = '3'
delete process.env.NO_COLOR

const root = fileURLToPath(new URL('..', import.meta.url))
const { Config } = await import('@oclif/core')
const { LatticeHelp: HELP } = await import(pathToFileURL(join(root, 'dist', 'src', 'cli', 'help.js')).href)
const { HELP_DATA_FORMAT, fileStamp } = await import(pathToFileURL(join(root, 'dist', 'fast-help.js')).href)

const config = await Config.load(root)
const pjson = config.pjson
const fail = (what) => {
  throw new Error(
    `scripts/help-data.js: ${what}; src/cli/fast-help.ts does not render that: teach it, or leave the help to oclif`,
  )
}
// What fast-help assumes of the CLI; anything else must be taught to it first.
if (config.topicSeparator !== ' ') fail('topicSeparator is not " "')
if (pjson.oclif.helpOptions || pjson.helpOptions) fail('there are helpOptions')
if (pjson.oclif.additionalHelpFlags || pjson.oclif.additionalVersionFlags)
  fail('there are additional help/version flags')
if (pjson.oclif.state || pjson.oclif.theme || pjson.oclif.flexibleTaxonomy || pjson.oclif.description)
  fail('oclif.state/theme/flexibleTaxonomy/description is set')
if (config.isSingleCommandCLI) fail('a single-command CLI')
if (config.theme) fail(`a theme is loaded (${config.configDir}/theme.json?): build without it`)
for (const plugin of config.plugins.values()) {
  for (const hook of ['init', 'finally'])
    if (plugin.hooks?.[hook]?.length) fail(`plugin ${plugin.name} has a ${hook} hook`)
}

const help = new HELP(config, {})
const { keepingNames, commandPage, topicPage, rootPage } = helpPages(config, help, fail)

// What `lattice WORDS --help` names: oclif's findCommand, else findTopic, for every id oclif can
// assemble from the words (collateSpacedCmdIDFromArgs: the command ids and their prefixes).
const usable = [
  ...new Set(config.commandIDs.flatMap((id) => id.split(':').map((_, i, a) => a.slice(0, i + 1).join(':')))),
]
const commands = {}
const topics = {}
const subjects = {}
for (const id of [...usable, ...config.topics.map((t) => t.name)]) {
  const cmd = config.findCommand(id)
  if (cmd) {
    // Pages fast-help does not render: oclif answers them.
    if (
      (cmd.hasDynamicHelp && cmd.pluginType !== 'jit') ||
      cmd.state ||
      cmd.deprecationOptions ||
      cmd.aliases?.length ||
      cmd.hiddenAliases?.length ||
      cmd.usage
    )
      continue
    commands[cmd.id] ??= keepingNames(() => commandPage(cmd))
    subjects[id] = ['command', cmd.id]
    continue
  }
  const topic = config.findTopic(id)
  if (!topic) continue
  topics[topic.name] ??= keepingNames(() => topicPage(topic))
  subjects[id] = ['topic', topic.name]
}

// The files the help comes from: fast-help answers only while they are the ones seen here (size,
// then mtime, else a checksum of the content: npm resets every mtime when it packs).
const sources = ['package.json', 'oclif.manifest.json', 'dist/src/cli/help.js']
for (const plugin of config.plugins.values()) {
  if (plugin.root === config.root) continue
  for (const name of ['package.json', 'oclif.manifest.json'])
    if (name === 'package.json' || existsSync(join(plugin.root, name)))
      sources.push(`node_modules/${plugin.name}/${name}`)
}
const stamp = sources.map((path) => fileStamp(path, root))

// One file per page (a help parses only its own), and the index, help.json, written last.
const pages = {}
const file = (kind, key) => `${kind}.${key.replaceAll(':', '.') || 'root'}.json`
for (const [key, page] of Object.entries(commands)) pages[file('command', key)] = page
for (const [key, page] of Object.entries(topics)) pages[file('topic', key)] = page
pages['root.json'] = keepingNames(rootPage)
const index = {
  format: HELP_DATA_FORMAT,
  stamp,
  bin: config.bin,
  name: config.name,
  version: config.version,
  usable,
  withArgs: usable.filter((id) => {
    const cmd = config.findCommand(id)
    return Boolean(cmd && (cmd.strict === false || Object.keys(cmd.args ?? {}).length > 0))
  }),
  subjects: Object.fromEntries(Object.entries(subjects).map(([id, [kind, key]]) => [id, file(kind, key)])),
  direct: directCommands(),
}

/**
 * lattice's own commands and their files in dist/direct/ (scripts/bundle-direct.js), which
 * src/cli/direct/run.ts runs: only what it does as oclif would is allowed (no hook runs there).
 */
function directCommands() {
  const failDirect = (what) => {
    throw new Error(`scripts/help-data.js: ${what}; src/cli/direct/ does not do that: teach it`)
  }
  for (const plugin of config.plugins.values()) {
    for (const [hook, files] of Object.entries(plugin.hooks ?? {}))
      if (files.length > 0 && hook !== 'plugins:postinstall' && hook !== 'plugins:postuninstall')
        failDirect(`plugin ${plugin.name} has a ${hook} hook`)
  }
  const direct = {}
  for (const cmd of config.commands) {
    if (cmd.pluginName !== config.name) continue // a plugin's (autocomplete): oclif runs it
    if (cmd.aliases?.length || cmd.hiddenAliases?.length) failDirect(`${cmd.id} has aliases`)
    if (cmd.state === 'deprecated' || cmd.deprecationOptions) failDirect(`${cmd.id} is deprecated`)
    for (const [name, flag] of Object.entries(cmd.flags))
      if (flag.deprecated || flag.deprecateAliases) failDirect(`--${name} of ${cmd.id} is deprecated`)
    const module = `${directModule(cmd.id)}.cjs`
    if (!existsSync(join(root, 'dist', 'direct', module))) failDirect(`dist/direct/${module} (${cmd.id}) was not built`)
    direct[cmd.id] = module
  }
  if (Object.keys(direct).length === 0) failDirect('no command found')
  return direct
}

// fast-help renders nothing but `<%= command.id %>` in usage lines (ejs would escape nothing in an id).
const text = JSON.stringify(pages)
const tags = text.match(/<%/g)?.length ?? 0
const usageTags = Object.values(commands).reduce(
  (n, c) => n + c.sections.filter((s) => s.usage?.includes('<%= command.id %>')).length,
  0,
)
if (tags !== usageTags) fail('a help text still holds a template after rendering')
for (const c of Object.values(commands))
  if (help.getCommandHelpClass({ ...c, id: c.id }).render('<%= command.id %>') !== c.id)
    fail(`${c.id} renders differently in a template`)
const codes = new Set(text.match(/\\u001b\[[0-9;]*m/g) ?? [])
if ([...codes].some((c) => c !== '\\u001b[4m' && c !== '\\u001b[24m'))
  fail(`colour codes other than underline: ${[...codes].join(' ')}`)
if (!codes.has('\\u001b[4m')) fail('no underlined flag value: was colour on?')

const out = join(root, 'dist', 'help')
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
for (const [name, page] of Object.entries(pages)) writeFileSync(join(out, name), JSON.stringify(page))
writeFileSync(join(out, 'help.json'), JSON.stringify(index))
