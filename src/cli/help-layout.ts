/**
 * The width-dependent half of oclif's help, for src/cli/fast-help.ts: lays out the pieces
 * scripts/help-data.js computed with oclif's help code (dist/help/help.json) at a given width,
 * byte for byte as oclif's HelpFormatter, CommandHelp, RootHelp and lattice's help class
 * (src/cli/help.ts) do, with the libraries oclif uses (wrap-ansi, indent-string, widest-line,
 * string-width, ansis), so that every wrapping decision is the same. Each function names the
 * oclif method it follows (@oclif/core lib/help/). test/integration/fast-help.test.ts compares
 * every page with oclif's at many widths, with and without colour.
 */
import ansis from 'ansis'
import indentString from 'indent-string'
import stringWidth from 'string-width'
import supportsColor from 'supports-color'
import widestLine from 'widest-line'
import wrapAnsi from 'wrap-ansi'

/** A row of a list: [left, right]; JSON keeps oclif's undefined right as null. */
export type Row = [string, string | null | undefined]
export type Example = { text: string } | { description: string; commands: string[] }
export type Section =
  | { header: string; usage: string }
  | { header: string; rows: Row[] }
  | { header: string; text: string }
  | { header: string; examples: Example[] }
  | { header: string; flags: { label: string; summary: string; description: string }[] }

export type CommandPage = {
  id: string
  summary: string | null
  sections: Section[]
  topics: Row[] | null
  commands: Row[] | null
}
export type TopicPage = {
  summary: string
  usage: string
  description: string
  examples: Example[] | null
  topics: Row[] | null
  commands: Row[] | null
}
export type RootPage = TopicPage & { examples: Example[] }

/** Whether oclif's help would be in colour: its colorize asks supports-color (stdout and stderr), then ansis. */
export function helpColour(): boolean {
  return Boolean(supportsColor.stdout) && Boolean(supportsColor.stderr) && ansis.isSupported()
}

const LINE_FEED = /\r\n|\n/
const INDENT = 2

export class HelpLayout {
  constructor(
    private readonly width: number,
    private readonly colour: boolean,
  ) {}

  /** HelpFormatter.wrap (the text is already rendered: help-data.js checked it holds no template). */
  wrap(body: string, spacing = INDENT): string {
    return wrapAnsi(body, this.width - spacing, { hard: true })
  }

  indent(body: string, spacing = INDENT): string {
    return indentString(body, spacing)
  }

  /** HelpFormatter.section: a bold header over the indented body. */
  section(header: string, body: string | Row[]): string {
    const text = Array.isArray(body) ? this.renderList(body, { indentation: 2 }) : body
    return [this.colour ? ansis.bold(header) : header, this.indent(text)].join('\n')
  }

  /** HelpFormatter.renderList: two columns, or one block per row when a right side runs long. */
  renderList(input: Row[], opts: { indentation: number; spacer?: string }): string {
    if (input.length === 0) return ''
    const renderMultiline = () => {
      let output = ''
      for (const [left, right] of input) {
        if (!left && !right) continue
        if (left) output += this.wrap(left.trim(), opts.indentation)
        if (right) output += `\n${this.indent(this.wrap(right.trim(), opts.indentation + 2), 4)}`
        output += '\n\n'
      }
      return output.trim()
    }
    const maxLength = widestLine(input.map((i) => i[0]).join('\n'))
    let output = ''
    let spacer = opts.spacer || '\n'
    let cur = ''
    for (const [left, r] of input) {
      if (cur) output += spacer + cur
      cur = left || ''
      if (!r) {
        cur = cur.trim()
        continue
      }
      const right = this.wrap(r.trim(), opts.indentation + maxLength + 2)
      const [first, ...lines] = right.split('\n').map((s) => s.trim())
      cur += ' '.repeat(maxLength - stringWidth(cur) + 2)
      cur += first
      if (lines.length === 0) continue
      if (lines.length > 4) return renderMultiline()
      if (!opts.spacer) spacer = '\n'
      cur += `\n${this.indent(lines.join('\n'), maxLength + 2)}`
    }
    if (cur) output += spacer + cur
    return output.trim()
  }

  /** CommandHelp.examples: description, then each command wrapped with ` \` continuations. */
  examples(examples: Example[]): string {
    const spacing = INDENT * 2
    return examples
      .map((e) => {
        if ('text' in e) return e.text
        const commands = e.commands
          .map((c) =>
            this.indent(this.wrap(c, spacing + 4))
              .split(LINE_FEED)
              .join(' \\\n  '),
          )
          .join('\n')
        return `${this.wrap(e.description, spacing)}\n\n${commands}`
      })
      .join('\n\n')
  }

  /**
   * CommandHelp.usage: a line too long is cut at its last space that fits, the rest wrapped
   * below. Its length counts the unrendered `<%= command.id %>`, as oclif's does.
   */
  usage(line: string, id: string): string {
    const render = (s: string) => s.split('<%= command.id %>').join(id)
    const allowed = this.width - INDENT
    if (line.length > allowed) {
      const split = line.slice(0, Math.max(0, allowed)).lastIndexOf(' ')
      return `${render(line.slice(0, Math.max(0, split)))}\n${this.indent(this.wrap(render(line.slice(Math.max(0, split))), INDENT * 2))}`
    }
    return this.wrap(render(line))
  }

  /** CommandHelp.flagsDescriptions: the summary beside the label when the line fits, else below. */
  flagDescriptions(flags: { label: string; summary: string; description: string }[]): string {
    return flags
      .map(({ label, summary, description }) => {
        const head =
          label +
          (label.length + summary.length + 2 < this.width
            ? `  ${summary}`
            : `\n\n${this.indent(this.wrap(summary, INDENT * 2))}`)
        return `${head}\n\n${this.indent(this.wrap(description, INDENT * 2))}`
      })
      .join('\n\n')
  }

  /** CommandHelp.generate: the sections, each laid out, blank-line separated. */
  command(page: CommandPage): string {
    return page.sections
      .map((s) => {
        if ('usage' in s) return this.section(s.header, this.usage(s.usage, page.id))
        if ('rows' in s) return this.section(s.header, s.rows)
        if ('text' in s) return this.section(s.header, this.wrap(s.text))
        if ('examples' in s) return this.section(s.header, this.examples(s.examples))
        return this.section(s.header, this.flagDescriptions(s.flags))
      })
      .join('\n\n')
  }

  /** Help.formatTopics / formatCommands. */
  list(header: 'TOPICS' | 'COMMANDS', rows: Row[]): string {
    return this.section(header, this.renderList(rows, { indentation: 2, spacer: '\n' }))
  }

  /** What Help.showCommandHelp logs, one string per log call. */
  commandHelp(page: CommandPage): string[] {
    const out: string[] = []
    if (page.summary) out.push(`${page.summary}\n`)
    out.push(this.command(page), '')
    this.lists(page, out)
    return out
  }

  /** What Help.showTopicHelp logs: lattice's formatTopic (oclif's, plus its examples) and the lists. */
  topicHelp(page: TopicPage): string[] {
    let text = `${[page.summary, this.section('USAGE', page.usage), page.description && this.section('DESCRIPTION', this.wrap(page.description))].filter(Boolean).join('\n\n')}\n`
    if (page.examples) text = `${text}\n${this.section('EXAMPLES', this.examples(page.examples))}\n`
    const out = [text]
    this.lists(page, out)
    return out
  }

  /** What Help.showRootHelp logs: lattice's formatRoot (RootHelp.root, plus its examples) and the lists. */
  rootHelp(page: RootPage, userAgent: string): string[] {
    const root = [
      page.summary,
      this.section('VERSION', this.wrap(userAgent)),
      this.section('USAGE', this.wrap(page.usage)),
      page.description && this.section('DESCRIPTION', this.wrap(page.description)),
    ]
      .filter(Boolean)
      .join('\n\n')
    const out = [`${root}\n\n${this.section('EXAMPLES', this.examples(page.examples))}`, '']
    this.lists(page, out)
    return out
  }

  private lists(page: { topics: Row[] | null; commands: Row[] | null }, out: string[]): void {
    if (page.topics) out.push(this.list('TOPICS', page.topics), '')
    if (page.commands) out.push(this.list('COMMANDS', page.commands), '')
  }
}
