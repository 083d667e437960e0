/**
 * Doc samples cannot go stale unnoticed: every block of README.md and docs/*.md that shows
 * command output is marked as a sample and produced by a sample test (test/samples/), or listed
 * with its reason in test/samples/excluded.ts. And the normaliser that lets a doc's output and a
 * fresh run's be compared hides only what varies between runs.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type Block, ROOT, blocks, docFiles, docOf, showsOutput } from '../samples/doc-blocks.js'
import { EXCLUDED, type Exclusion } from '../samples/excluded.js'
import { normalise } from '../samples/normalise.js'
import { words } from '../samples/sample.js'

const matches = (e: Exclusion, b: Block) => e.file === b.file && (e.first === undefined || b.body.startsWith(e.first))

/** The sample IDs the sample tests check: `expectSample('ID'` in test/samples/*.ts. */
function testedIds(): Set<string> {
  const dir = join(ROOT, 'test', 'samples')
  const ids = new Set<string>()
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/expectSample\(\s*'([\w./-]+)'/g)) ids.add(m[1])
  }
  return ids
}

describe('doc samples', () => {
  const all = docFiles().flatMap((f) => blocks(f))

  it('every output block is a marked sample or excluded with a reason', () => {
    const unchecked = all.filter((b) => showsOutput(b) && !b.marker && !EXCLUDED.some((e) => matches(e, b)))
    expect(
      unchecked.map((b) => `${b.file}:${b.open + 1}: ${b.body.split('\n')[0]}`),
      'add <!-- sample: DOC/NAME --> above each and a test in test/samples/ that produces it',
    ).toEqual([])
  })

  it('every marker is unique, named for its doc, and checked by a sample test', () => {
    const tested = testedIds()
    const marked = all.filter((b) => b.marker)
    const problems = marked.flatMap((b) => {
      const id = b.marker as string
      const where = `${b.file}:${b.open}: ${id}`
      if (docOf(id) !== b.file) return [`${where}: an ID starts with its doc's name (${docOf(id)} is another doc)`]
      if (marked.filter((x) => x.marker === id).length > 1) return [`${where}: used twice`]
      return tested.has(id) ? [] : [`${where}: no test in test/samples/ calls expectSample('${id}', ...)`]
    })
    expect(problems).toEqual([])
    const markers = new Set(marked.map((b) => b.marker))
    expect(
      [...tested].filter((id) => !markers.has(id)),
      'sample tests whose block has no marker',
    ).toEqual([])
  })

  it('every exclusion names a doc block that exists, with a reason', () => {
    const files = docFiles()
    for (const e of EXCLUDED) {
      expect(files, e.file).toContain(e.file)
      expect(e.reason.length, `${e.file}: a reason`).toBeGreaterThan(10)
      if (e.first !== undefined)
        expect(
          all.some((b) => matches(e, b)),
          `${e.file}: no block starts with ${e.first}`,
        ).toBe(true)
    }
  })

  it('the marker check sees a new unmarked output block', () => {
    const doc =
      'text\n\n```\n$ lattice status\nNo routes in lattice default.\n```\n\n<!-- sample: readme/x -->\n```\n$ lattice plan\n```\n'
    const found = blocks('README.md', doc)
    expect(found.map((b) => [showsOutput(b), b.marker])).toEqual([
      [true, undefined],
      [true, 'readme/x'],
    ])
    expect(showsOutput(blocks('README.md', '```yaml\nlattice: default\n```\n')[0])).toBe(false)
    expect(showsOutput(blocks('README.md', '```\nError [USAGE]: bad\n```\n')[0])).toBe(true)
  })
})

describe('normalise', () => {
  it('hides keys, seeds, ports, temp dirs, pids, times, measured numbers and padding', () => {
    const a = normalise(
      'Started nats-server at nats://127.0.0.1:36389 (pid 13828), keys in /tmp/devdemo/.lattice\n' +
        'Account ABCPJHKBD3OZFXVRZW6WQ3Y47RYGGU4ANJOALMJRKH227BTBXODJC2MQ; context "lattice-dev-devdemo-20fd78"\n' +
        '05:04:37 step 1/3: observed weight 9.9%, p95 5.5 ms over 50760 calls at 2026-11-25T05:04:35.092Z by root@vm\n' +
        '  1.1.0  ██████████████|░░░░░  set 70%  seen 70.2%  2340.8/s\n\n',
    )
    const b = normalise(
      'Started nats-server at nats://127.0.0.1:41000 (pid 7), keys in /tmp/lattice-test-Xy12ab/.lattice\n' +
        'Account AAAAJHKBD3OZFXVRZW6WQ3Y47RYGGU4ANJOALMJRKH227BTBXODJC2MQ; context "lattice-dev-lattice-test-Xy12ab-0a1b2c"\n' +
        '23:59:01 step 1/3: observed weight 10.25%, p95 15 ms over 312 calls at 2026-12-06T23:59:01.000Z by ci@runner-1\n' +
        '  1.1.0     ███████████████|░░░░  set 70%     seen 71.0%   9.1/s   ',
    )
    expect(a.replace('devdemo', 'lattice-test-Xy12ab')).toBe(b)
    expect(normalise('0  2026-11-29T21:46:14Z  baseline  root@vm  found by')).toBe(
      '0  <date>  baseline  <user>@<host>  found by',
    )
    expect(normalise('n3      replica  catching up')).toBe(normalise('n3      replica  yes'))
    // A run under CI (CI=true) names its job after the user; the doc shows a terminal's run.
    expect(
      normalise(
        'Started:   2026-12-06T10:31:03.586Z by root@vm (ci)\n1  <date>  change  me@box (github o/r run 7 job t)  lattice',
      ),
    ).toBe('Started:  <date> by <user>@<host>\n1  <date>  change  <user>@<host>  lattice')
    // Inside a message: "(aborted by root@vm (ci); ...", "started ... by root@vm (ci)): ..."
    expect(normalise('rolled-back (aborted by root@vm (ci); the stable weights')).toBe(
      normalise('rolled-back (aborted by me@box; the stable weights'),
    )
    expect(normalise('(started 2026 by root@vm (ci)): its next step')).toBe(
      normalise('(started 2026 by me@box): its next step'),
    )
    expect(
      normalise('n2      leader   yes\nn1      replica  yes\nn1      test     2.10.27  loaded   1796538523  yes'),
    ).toBe('<server>  leader  yes\n<server>  replica  yes\nn1  test  <nats-server>  loaded  <n>  yes')
    // The sequential judge's evidence and counts differ run to run; the verdict's words do not.
    expect(normalise('worse by more than 1 pp (e-value 1.90e+3); canary 19.44% of 36 calls vs 0.00% of 276')).toBe(
      normalise('worse by more than 1 pp (e-value 51.0); canary 10.11% of 89 calls vs 0.00% of 244'),
    )
    expect(normalise('(sequential judge, 2.6 s into the step: ... on 35 canary and 277 stable calls)')).toBe(
      normalise('(sequential judge, 4.1 s into the step: ... on 120 canary and 1077 stable calls)'),
    )
    expect(normalise('hello-v2: 34 of 50 calls answered, 16 failed')).toBe(
      normalise('hello-v2: 33 of 50 calls answered, 17 failed'),
    )
    expect(
      normalise('5.0 s: 501 sent; v1 340 (68.0%), v2 160 (32.0%); no answer 0\nv1       814       0       67.8%'),
    ).toBe('<x> s: <n> sent; v1 <n> (<x>%), v2 <n> (<x>%); no answer 0\nv1  <n>  0  <x>%')
    expect(
      normalise(
        '(0/345) vs 0.0% (0/1428), p=1 (Fisher); shift +106 ms [95% CI +106, +107], p=0.0e+0, p=2.1e-68 -> pass (significant but within the tolerance',
      ),
    ).toBe(
      '(0/<n>) vs <x>% (0/<n>), p=<p> (Fisher); shift +<ms> [95% CI <ci>], p=<p>, p=<p> -> pass (within the tolerance',
    )
    expect(normalise('  1.1.0 (canary)  89736  0.0%\n  1.0.0 (stable)  0      -')).toBe(
      '  1.1.0 (canary)  <n>  <x>%\n  1.0.0 (stable)  <n>  -',
    )
    expect(normalise('JetStream servers not answering: n2 (of n1, n2, n3).')).toBe(
      'JetStream servers not answering: <server> (of n1, n2, n3).',
    )
    expect(normalise('seed SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY')).toBe('seed <seed>')
  })

  it('keeps what a change means: versions, weights, revisions, codes, words', () => {
    const real =
      'actor MADQOBYHA4DQOBYHA4DQOBYHA4DQOBYHA4DQOBYHA4DQOBYHA4DQPLGX: v1 0% -> 70%, 1.0.0 0% -> 30%\nRecorded as revision 1.'
    for (const stale of [
      real.replace('70%', '60%'),
      real.replace('1.0.0', '1.0.1'),
      real.replace('revision 1', 'revision 2'),
      real.replace('actor M', 'provider V'),
      `${real}\nLive: 1 of 1 server acknowledged.`,
    ]) {
      expect(normalise(stale)).not.toBe(normalise(real))
    }
    expect(normalise(real)).toBe('actor M<key>: v1 0% -> 70%, 1.0.0 0% -> 30%\nRecorded as revision 1.')
  })
})

describe('words', () => {
  it('splits a command line as sh does for the quoting the docs use', () => {
    expect(words(`lattice rollout actor M --probe-payload '{"ping":1}' --q "a b" \\\n    --x 'v="{{to}}"'`)).toEqual([
      'lattice',
      'rollout',
      'actor',
      'M',
      '--probe-payload',
      '{"ping":1}',
      '--q',
      'a b',
      '--x',
      'v="{{to}}"',
    ])
  })
})
