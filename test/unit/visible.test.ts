/** Text from elsewhere cannot drive the terminal (issue #29, item 4): control characters are shown, lattice's own sequences kept. */
import { describe, expect, it } from 'vitest'
import { visible } from '../../src/cli/output-guard.js'

describe('visible', () => {
  it('shows C0, C1, DEL, bidi overrides and zero-width characters as \\uXXXX', () => {
    expect(visible('v2\x1b]0;PWNED-TITLE\x07\x1b[2J')).toBe('v2\\u001b]0;PWNED-TITLE\\u0007\\u001b[2J')
    expect(visible('a\u202eb\u200bc\u0085d\u007fe\ufeff')).toBe('a\\u202eb\\u200bc\\u0085d\\u007fe\\ufeff')
    expect(visible('line\nnext\ttab')).toBe('line\nnext\ttab')
    expect(visible('a\rb')).toBe('a\\u000db')
  })
  it("keeps lattice's own sequences: colours, the in-place redraw, the spinner's line erase", () => {
    const own = `\x1b[32mok\x1b[39m \x1b[3A\x1b[0Jnew\r\x1b[2Kspin\r\n`
    expect(visible(own)).toBe(own)
  })
  it('its escapes are JSON escapes: --json output parses to the exact strings', () => {
    const s = 'v\u202e2\u200b'
    expect(JSON.parse(visible(JSON.stringify({ s })))).toEqual({ s })
  })
})
