// The pieces of every help page (root, topics, commands) that do not depend on the terminal's
// width, computed by oclif's own help code and lattice's help class with their layout stubbed out.
// scripts/help-data.js writes them to dist/help/; src/cli/fast-help.ts lays them out.

/** The page builders over oclif's loaded `config` and lattice's `help`; `fail` refuses what fast-help does not render. */
export function helpPages(config, help, fail) {
  const pjson = config.pjson
  const render = (s) => help.render(s)

  // oclif's help renames commands and topics in place (shift:actor -> "shift actor"): put them back
  // after each use.
  function keepingNames(fn) {
    const saved = [...config.commands.map((c) => [c, 'id', c.id]), ...config.topics.map((t) => [t, 'name', t.name])]
    try {
      return fn()
    } finally {
      for (const [obj, key, value] of saved) obj[key] = value
    }
  }

  /** The rows oclif's Help.formatTopics/formatCommands hands to renderList. */
  function listRows(method, items) {
    if (items.length === 0) return null
    return keepingNames(() => {
      let rows
      help.renderList = (input) => {
        rows = input
        return ''
      }
      try {
        help[method](items)
      } finally {
        delete help.renderList
      }
      return rows
    })
  }

  /** Children one level below `name` (topics, commands), as Help.showCommandHelp/showTopicHelp list them. */
  function children(name) {
    const depth = name.split(':').length
    const below = (id) => id.startsWith(`${name}:`) && id.split(':').length === depth + 1
    return {
      topics: listRows(
        'formatTopics',
        help.sortedTopics.filter((t) => below(t.name)),
      ),
      commands: listRows(
        'formatCommands',
        help.sortedCommands.filter((c) => below(c.id)),
      ),
    }
  }

  /** An example as CommandHelp.examples() lays it out: fixed text, or a description and commands to wrap. */
  function examplePieces(ch, examples) {
    if (!examples || examples.length === 0) return null
    return (Array.isArray(examples) ? examples : [examples]).map((a) => {
      if (typeof a === 'string') {
        const lines = a.split(/\r\n|\n/).filter(Boolean)
        if (!(lines.length >= 2 && !ch.isCommand(lines[0]) && lines.slice(1).every((l) => ch.isCommand(l))))
          return { text: lines.map((l) => ch.formatIfCommand(l)).join('\n') }
        return { description: render(lines[0]), commands: lines.slice(1).map((c) => ch.formatIfCommand(c)) }
      }
      return { description: render(a.description), commands: [ch.formatIfCommand(a.command)] }
    })
  }

  /** The pieces of one command's page, from CommandHelp.generate() run with its layout stubbed out. */
  function commandPage(cmd) {
    const command = { ...cmd, id: cmd.id.replaceAll(':', ' ') }
    const ch = help.getCommandHelpClass(command)
    // No width: usage() keeps its line whole; wrap() returns its text as it is (unrendered: the
    // usage line's length counts `<%= command.id %>` as oclif counts it).
    ch.opts = { ...ch.opts, maxWidth: Number.POSITIVE_INFINITY }
    ch.wrap = (body) => body
    let examples
    let described
    ch.examples = (ex) => {
      examples = examplePieces(ch, ex)
      return examples ? 'EXAMPLES' : undefined
    }
    ch.flagsDescriptions = (flags) => {
      described = flags.filter((f) => f.summary && f.description)
      return described.length > 0 ? 'FLAG DESCRIPTIONS' : undefined
    }
    const sections = []
    ch.section = (header, body) => {
      if (header === 'USAGE') {
        if (body.includes('\n')) fail(`${cmd.id} has several usage lines`)
        sections.push({ header, usage: body })
      } else if (header === 'DESCRIPTION') sections.push({ header, text: render(body) })
      else if (header === 'EXAMPLES') sections.push({ header, examples })
      else if (header === 'FLAG DESCRIPTIONS') {
        sections.push({
          header,
          flags: described.map((flag) => ({
            label: flag.char ? ch.flagHelpLabel(flag, true) : ch.flagHelpLabel(flag, true).replace('    ', ''),
            summary: flag.summary,
            description: flag.description || '',
          })),
        })
      } else if (Array.isArray(body)) sections.push({ header, rows: body })
      else fail(`${cmd.id} has a ${header} section`)
      return header
    }
    ch.generate()
    const summary = help.summary(cmd)
    return { id: command.id, summary: summary || null, sections, ...children(cmd.id) }
  }

  /** The EXAMPLES pieces lattice's help class adds to a root or topic page (src/cli/help.ts), caught as `format` renders it. */
  function examplesOf(format) {
    let examples = null
    help.getCommandHelpClass = (stub) => {
      const ch = Object.getPrototypeOf(help).getCommandHelpClass.call(help, stub)
      ch.examples = (ex) => {
        examples = examplePieces(ch, ex)
        return ''
      }
      return ch
    }
    try {
      format()
    } finally {
      delete help.getCommandHelpClass
    }
    return examples
  }

  function topicPage(topic) {
    const description = render(topic.description || '')
    const examples = examplesOf(() => help.formatTopic({ ...topic }))
    return {
      summary: description.split('\n')[0],
      usage: `$ ${config.bin} ${`${topic.name}:COMMAND`.replaceAll(':', config.topicSeparator)}`,
      description: description.split('\n').slice(1).join('\n'),
      examples,
      ...children(topic.name),
    }
  }

  function rootPage() {
    const description = render(pjson.oclif.description || pjson.description || '')
    const examples = examplesOf(() => help.formatRoot())
    if (!examples) fail('the root help has no examples')
    return {
      summary: description.split('\n')[0],
      usage: `$ ${config.bin} [COMMAND]`,
      description: description.split('\n').slice(1).join('\n'),
      examples,
      topics: listRows(
        'formatTopics',
        help.sortedTopics.filter((t) => !t.name.includes(':')),
      ),
      commands: listRows(
        'formatCommands',
        help.sortedCommands.filter((c) => !c.id.includes(':') && c.id),
      ),
    }
  }

  return { keepingNames, commandPage, topicPage, rootPage }
}
