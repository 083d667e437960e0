import { describe, expect, it } from 'vitest'
import { editDistance, suggest } from '../../src/suggest.js'

const NAMES = [
  'shift',
  'shift actor',
  'shift provider',
  'status',
  'state',
  'state scale',
  'dev',
  'dev up',
  'dev down',
  'dev env',
  'swap',
]

describe('suggest', () => {
  it('counts a swap of neighbouring letters as one edit', () => {
    expect(editDistance('shfit', 'shift')).toBe(1)
    expect(editDistance('stauts', 'status')).toBe(1)
    expect(editDistance('abc', 'abc')).toBe(0)
    expect(editDistance('', 'abc')).toBe(3)
  })
  it('prefers the name that explains more of the words, then the closest', () => {
    expect(suggest(['shfit', 'actor', 'MADQ'], NAMES)).toEqual({ typed: 'shfit actor', matches: ['shift actor'] })
    expect(suggest(['dev', 'upp'], NAMES)).toEqual({ typed: 'dev upp', matches: ['dev up'] })
    expect(suggest(['stats'], NAMES)).toEqual({ typed: 'stats', matches: ['state', 'status'] })
  })
  it('a right topic with a wrong command names the topic; nothing close, nothing', () => {
    expect(suggest(['dev', 'nope'], NAMES)).toEqual({ typed: 'dev', matches: ['dev'] })
    expect(suggest(['xyzzy'], NAMES)).toEqual({ typed: 'xyzzy', matches: [] })
  })
})
