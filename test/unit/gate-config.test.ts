import { describe, expect, it } from 'vitest'
import { checkHttpUrl, checkQuery, fillQuery, meets, parseCondition } from '../../src/plan/gate-config.js'
import { answerMessage } from '../../src/http/request.js'

describe('Prometheus conditions', () => {
  it('parse an operator and a number, nothing else', () => {
    expect(parseCondition('< 0.05', 'c')).toEqual({ op: '<', value: 0.05 })
    expect(parseCondition('>=1e3', 'c')).toEqual({ op: '>=', value: 1000 })
    expect(parseCondition('  != -2.5 ', 'c')).toEqual({ op: '!=', value: -2.5 })
    expect(parseCondition('== .5', 'c')).toEqual({ op: '==', value: 0.5 })
    for (const bad of [
      '0.05',
      '< x',
      '<< 1',
      '< 1 && true',
      '= 1',
      '< 0x10',
      '< Infinity',
      'result < 1',
      '< 1; process.exit()',
      '',
    ]) {
      expect(() => parseCondition(bad, '--prometheus-condition'), bad).toThrow(
        /--prometheus-condition ".*" is not a condition/,
      )
    }
  })
  it('compare each sample; NaN meets no condition', () => {
    const c = (t: string) => parseCondition(t, 'c')
    expect([
      meets(0.01, c('< 0.05')),
      meets(0.05, c('< 0.05')),
      meets(0.05, c('<= 0.05')),
      meets(2, c('> 1')),
      meets(1, c('>= 1')),
      meets(3, c('== 3')),
      meets(3, c('!= 3')),
    ]).toEqual([true, false, true, true, true, true, false])
    expect(meets(Number.NaN, c('!= 1'))).toBe(false)
    expect(meets(Number('+Inf'), c('> 1'))).toBe(false)
    expect(meets(Number.POSITIVE_INFINITY, c('> 1'))).toBe(true)
  })
})

describe('query placeholders', () => {
  it('fill the known ones and refuse others', () => {
    const q = 'rate(x{lattice="{{lattice}}",id="{{ id }}",link="{{link}}",v=~"{{from}}|{{to}}"}[1m])'
    expect(fillQuery(checkQuery(q, 'q'), { lattice: 'default', id: 'MA', link: '', from: '1', to: '2' })).toBe(
      'rate(x{lattice="default",id="MA",link="",v=~"1|2"}[1m])',
    )
    expect(() => checkQuery('x{v="{{version}}"}', '--prometheus-query')).toThrow(/unknown placeholder \{\{version\}\}/)
    expect(() => checkQuery('  ', '--prometheus-query')).toThrow(/--prometheus-query is empty/)
  })
})

describe('gate and receiver URLs', () => {
  it('http and https only, never with credentials in them', () => {
    expect(checkHttpUrl('https://ci.example.com/x?y=1', '--gate-webhook')).toBe('https://ci.example.com/x?y=1')
    expect(() => checkHttpUrl('file:///etc/passwd', '--notify')).toThrow(
      /--notify "file:\/\/\/etc\/passwd" is not an http or https URL/,
    )
    expect(() => checkHttpUrl('example.com/hook', '--notify')).toThrow(/is not a URL/)
    const e = (() => {
      try {
        checkHttpUrl('https://bob:hunter2@example.com/', '--gate-webhook')
      } catch (err) {
        return err as Error
      }
    })()
    expect(e?.message).toMatch(/--gate-webhook carries a user name or password/)
    expect(e?.message).not.toMatch(/hunter2/)
  })
})

describe("a webhook answer's message", () => {
  it('is the JSON message field, else the first 200 characters of text', () => {
    expect(answerMessage('{"message":"error budget burnt","x":1}')).toBe('error budget burnt')
    expect(answerMessage('{"msg":"other"}')).toBe('{"msg":"other"}')
    expect(answerMessage(`  ${'a'.repeat(300)}`)).toBe('a'.repeat(200))
    expect(answerMessage('')).toBe('')
  })
})
