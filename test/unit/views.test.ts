import { describe, expect, it } from 'vitest'
import { FrameView, bar, renderFrame, renderVerify } from '../../src/views/observe-view.js'
import { RolloutView, eventLine, viewMode } from '../../src/views/rollout-view.js'
import type { RolloutEvent } from '../../src/rollout/rollout-event.js'

const ev = (e: Partial<RolloutEvent>): RolloutEvent => ({
  type: 'step',
  time: '2026-11-25T05:00:01.000Z',
  entity: 'actor MB',
  ...e,
})

describe('rollout progress', () => {
  it('one line per event for CI logs', () => {
    expect(eventLine(ev({ type: 'step', step: 2, steps: 4, weight: 25 }))).toBe('05:00:01 step 2/4: set weight 25%')
    expect(
      eventLine(
        ev({ type: 'gate', step: 2, steps: 4, gate: { gate: 'probe', pass: false, detail: 'error rate 100% > 1%' } }),
      ),
    ).toBe('05:00:01 step 2/4: probe gate FAILED: error rate 100% > 1%')
  })
  it('NDJSON with --json: every event one parseable line', () => {
    const out: string[] = []
    const view = new RolloutView('json', (t) => out.push(t), 'x')
    view.event(ev({ type: 'started', message: 'a -> b' }))
    view.event(ev({ type: 'completed' }))
    expect(
      out
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).type),
    ).toEqual(['started', 'completed'])
  })
  it('on a terminal, redraws its block in place', () => {
    const out: string[] = []
    const view = new RolloutView('tty', (t) => out.push(t), 'actor MB: v1 -> v2')
    view.event(ev({ type: 'step', step: 1, steps: 2, weight: 10 }))
    view.event(ev({ type: 'observed', step: 1, steps: 2, weight: 10, observed: 9.7 }))
    expect(out[0].startsWith('\x1b[')).toBe(false)
    expect(out[1]).toMatch(/^\x1b\[\d+A\x1b\[0J/)
    expect(out[1]).toMatch(/Set: +10% +Observed: 9\.7%/)
  })
  it('the observed line says where the calls were counted', () => {
    expect(
      eventLine(ev({ type: 'observed', step: 1, steps: 2, weight: 10, observed: 9.7, observedBy: 'reports' })),
    ).toMatch(/step 1\/2: observed weight 9\.7%, from host reports$/)
    expect(
      eventLine(ev({ type: 'observed', step: 1, steps: 2, weight: 10, observed: 9.7, observedBy: 'subscription' })),
    ).toMatch(/observed weight 9\.7%, by subscription$/)
  })
  it('picks the mode: --json, a terminal, or lines', () => {
    expect(viewMode(true)).toBe('json')
    expect(viewMode(false, { isTTY: false } as NodeJS.WriteStream)).toBe('lines')
  })
})

describe('watch and verify views', () => {
  it('bars show the observed share and mark the weight', () => {
    expect(bar(50, 30)).toBe('██████|███░░░░░░░░░░')
    expect(bar(undefined, 100)).toBe('░'.repeat(20))
  })
  it('frames are NDJSON with --json', () => {
    const out: string[] = []
    new FrameView('json', (t) => out.push(t)).frame({ time: 't', entities: [] })
    expect(JSON.parse(out[0])).toEqual({ time: 't', entities: [] })
  })
  it('each entity of a frame says where its calls were counted', () => {
    const frame = {
      time: '2026-01-01T00:00:00.000Z',
      entities: [
        {
          entity: 'actor MA',
          observedBy: 'reports' as const,
          versions: [{ version: 'v1', weight: 100, observed: 100, rate: 5 }],
        },
        {
          entity: 'actor MB',
          observedBy: 'subscription' as const,
          observedByReason: 'host h1 reports no instance count',
          versions: [{ version: 'v1', weight: 100, observed: 100, rate: 5 }],
        },
      ],
    }
    const text = renderFrame(frame)
    expect(text).toMatch(/actor MA +observed from host reports/)
    expect(text).toMatch(/actor MB +observed by subscription \(host h1 reports no instance count\)/)
  })
  it('verify prints both splits and the verdict', () => {
    const text = renderVerify({
      entity: 'actor MB',
      windowMs: 2000,
      weights: { v1: 70, v2: 30 },
      counts: { v1: 700, v2: 300 },
      observed: { v1: 70, v2: 30 },
      statistic: 0,
      degreesOfFreedom: 1,
      pValue: 1,
      alpha: 0.001,
      method: 'chi-square',
      observedBy: 'reports',
      match: true,
      warnings: [],
    })
    expect(text).toMatch(/v1 +70% +70\.0% +700/)
    expect(text).toMatch(/observed from host reports \(reports apportioned to the window\)/)
    expect(text).toMatch(/consistent with the live weights/)
  })
  it('verify of one version at 100% says what was checked, not a chi-square of nothing', () => {
    const base = {
      entity: 'actor MB',
      windowMs: 2000,
      weights: { v1: 100 },
      statistic: 0,
      degreesOfFreedom: 0,
      alpha: 0.001,
      method: 'one-version' as const,
      observedBy: 'subscription' as const,
      observedByReason: '1 of 2 instances of v1 are on hosts that do not report',
      warnings: [],
    }
    const ok = renderVerify({
      ...base,
      counts: { v1: 500, v2: 0 },
      observed: { v1: 100, v2: 0 },
      pValue: 1,
      match: true,
    })
    expect(ok).toMatch(
      /All 500 calls reached v1, as routed; none reached v2, which also runs \(one version: no split to compare\)\./,
    )
    expect(ok).not.toMatch(/chi-square/)
    expect(ok).toMatch(/observed by subscription \(1 of 2 instances of v1 are on hosts that do not report\)/)
    expect(renderVerify({ ...base, counts: { v1: 10 }, observed: { v1: 100 }, pValue: 1, match: true })).toMatch(
      /All 10 calls reached v1, as routed; no other version runs/,
    )
    const bad = renderVerify({
      ...base,
      counts: { v1: 400, v2: 100 },
      observed: { v1: 80, v2: 20 },
      pValue: 0,
      match: false,
    })
    expect(bad).toMatch(/v2 +0% +20\.0% +100/)
    expect(bad).toMatch(/100 of 500 calls reached v2, which the live weights give 0%: DIFFERS/)
  })
})

describe('colour', () => {
  it('only for a terminal, never with NO_COLOR, TERM=dumb or --json', async () => {
    const { colourFor, COLOUR, PLAIN } = await import('../../src/views/colour.js')
    expect(colourFor(false, { isTTY: true }, {})).toBe(COLOUR)
    expect(colourFor(false, { isTTY: true }, { NO_COLOR: '' })).toBe(PLAIN)
    expect(colourFor(false, { isTTY: true }, { TERM: 'dumb' })).toBe(PLAIN)
    expect(colourFor(true, { isTTY: true }, {})).toBe(PLAIN)
    expect(colourFor(false, { isTTY: false }, {})).toBe(PLAIN)
    const { serverLine } = await import('../../src/views/routing-view.js')
    expect(serverLine({ server: 'n1', ok: false, code: 500, message: 'exceeds 100%' }, COLOUR)).toBe(
      '  n1: \x1b[31mREJECTED (exceeds 100%)\x1b[39m',
    )
    expect(serverLine({ server: 'n1', ok: false, code: 500, message: 'exceeds 100%' })).toBe(
      '  n1: REJECTED (exceeds 100%)',
    )
  })
})

describe('spinner', () => {
  it('only on a terminal, after a moment, and it erases itself', async () => {
    const { spinnerEnabled, withSpinner } = await import('../../src/cli/spinner.js')
    expect(spinnerEnabled(false, { isTTY: true }, {})).toBe(true)
    for (const [json, tty, env] of [
      [true, true, {}],
      [false, false, {}],
      [false, true, { NO_COLOR: '' }],
      [false, true, { CI: 'true' }],
    ] as const)
      expect(spinnerEnabled(json, { isTTY: tty }, env)).toBe(false)
    const out: string[] = []
    expect(
      await withSpinner(
        true,
        'fast',
        async () => 1,
        (s) => out.push(s),
      ),
    ).toBe(1)
    expect(out).toEqual([]) // a fast command shows nothing
    await withSpinner(
      true,
      'slow',
      () => new Promise((r) => setTimeout(r, 500)),
      (s) => out.push(s),
    )
    expect(out.some((s) => s.includes('slow'))).toBe(true)
    expect(out.at(-1)).toBe('\r\x1b[2K')
  })
})

describe('history view', () => {
  const actor = 'MB3JS655IIQTGNWVWONAR5HWM2XO34P3VR5PO6AIEQNUGFASWREVFGIJ'
  const who = { user: 'ops', host: 'laptop' }
  const revision = (n: number, command: string) => ({
    revision: n,
    time: '2026-11-25T04:33:53.123Z',
    kind: 'change' as const,
    who,
    command,
    changes: [
      {
        entity: { kind: 'actor' as const, id: actor },
        subject: `wasmbus.rpc.default.${actor}`,
        before: { v1: 100 },
        after: { v1: 90, v2: 10 },
      },
    ],
    mappings: {},
  })
  const result = (command: string) => ({
    account: 'A',
    lattice: 'default',
    revisions: [revision(1, command)],
    unrecorded: [],
    warnings: [],
  })

  it('cuts keys to 8 characters and puts the change under its revision; --full-keys keeps them', async () => {
    const { renderHistory } = await import('../../src/views/routing-view.js')
    const text = renderHistory(result(`lattice shift actor ${actor} --to v2 --weight 10`))
    expect(text).toBe(
      [
        'REV  TIME                  KIND    WHO         COMMAND',
        '1    2026-11-25T04:33:53Z  change  ops@laptop  lattice shift actor MB3JS655… --to v2 --weight 10',
        '     actor MB3JS655…: v1 100% -> 90%, v2 0% -> 10%',
      ].join('\n'),
    )
    expect(renderHistory(result(`lattice shift actor ${actor}`), { fullKeys: true })).toContain(
      `actor ${actor}: v1 100% -> 90%`,
    )
  })

  it('wraps a long command under the COMMAND column to fit the width', async () => {
    const { renderHistory } = await import('../../src/views/routing-view.js')
    const long = `lattice apply lattice.yaml ${'--accept-drift '.repeat(8).trim()}`
    const lines = renderHistory(result(long), { width: 80 }).split('\n')
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80)
    const at = lines[0].indexOf('COMMAND')
    expect(lines[1].slice(at)).toMatch(/^lattice apply lattice\.yaml/)
    expect(lines[2].slice(0, at).trim()).toBe('')
    expect(lines[2].slice(at)).toMatch(/^--accept-drift/)
    // Whole keys are for copying: not wrapped.
    expect(renderHistory(result(long), { width: 80, fullKeys: true }).split('\n')).toHaveLength(3)
  })

  it('no line is wider than the terminal: a wide KIND column, a change of three versions, a narrow terminal, a change in flight', async () => {
    const { renderHistory } = await import('../../src/views/routing-view.js')
    const provider = 'VAGZV5DWEPUGEMFO4YKCGKHY5YE7HYMPOBYRIR2LPQZ5R6TBPHDQO3KR'
    const three = {
      entity: { kind: 'provider' as const, id: provider, link: 'default' },
      subject: `wasmbus.rpc.default.${provider}.default`,
      before: { '1.0.0': 100 },
      after: { '1.0.0': 34, '1.1.0-rc.1': 33, '1.2.0-beta.7': 33 },
    }
    const many = {
      account: 'A',
      lattice: 'default',
      revisions: [
        {
          ...revision(1, `lattice shift provider ${provider} --link default --to 1.2.0-beta.7 --weight 33 --force`),
          changes: [three],
        },
        {
          ...revision(12, `lattice rollback --to 1 --file deploy/lattice.yaml --force`),
          kind: 'rollback' as const,
          rolledBackTo: 1,
        },
        { ...revision(13, `lattice apply -f deploy/lattice.yaml`), rebasedFrom: 12 },
      ],
      pending: {
        revision: 14,
        who,
        command: `lattice shift actor ${actor} --to v3 --weight 5`,
        started: '2026-11-25T04:40:00.000Z',
      },
      unrecorded: [],
      warnings: [],
    }
    for (const width of [120, 100, 80, 70, 60]) {
      const lines = renderHistory(many, { width }).split('\n')
      for (const line of lines) expect(line.length, `${width}: ${line}`).toBeLessThanOrEqual(width)
      const text = lines.map((l) => l.trim()).join(' ')
      expect(text, `${width}`).toContain('1.2.0-beta.7 0% -> 33%')
      expect(text, `${width}`).toContain(`lattice shift actor ${actor.slice(0, 8)}… --to v3 --weight 5`)
    }
    // Too narrow for the command beside the columns: it goes below the row, indented like the changes.
    const narrow = renderHistory(many, { width: 60 }).split('\n')
    expect(narrow[0]).not.toContain('COMMAND')
    expect(narrow[1]).toMatch(/^1 +2026-11-25T04:33:53Z +change +ops@laptop$/)
    expect(narrow[2]).toMatch(/^ {5}lattice shift provider VAGZV5DW… --link default/)
  })
})
