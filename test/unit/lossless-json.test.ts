import { describe, expect, it } from 'vitest'
import { JsonNumber, parseLossless, stringifyLossless } from '../../src/account/lossless-json.js'

const roundTrip = (text: string) => stringifyLossless(parseLossless(text))

describe('lossless JSON for claims', () => {
  it('keeps integers past 2^53 exactly, positive and negative', () => {
    const text =
      '{"max":9223372036854775807,"min":-9223372036854775808,"next":9007199254740993,"safe":9007199254740991,"two53":9007199254740992}'
    expect(roundTrip(text)).toBe(text)
    const v = parseLossless(text) as Record<string, unknown>
    expect(v.max).toBeInstanceOf(JsonNumber)
    expect((v.next as JsonNumber).text).toBe('9007199254740993')
    expect((v.min as JsonNumber).text).toBe('-9223372036854775808')
    // Numbers a double holds as written stay plain numbers: code reading claims sees no wrapper.
    expect(v.safe).toBe(9007199254740991)
    expect(v.two53).toBe(2 ** 53)
    // ... while a wrapper still compares and adds as a number.
    expect(Number(v.max)).toBe(9223372036854775807)
    expect((v.next as unknown as number) > (v.safe as number)).toBe(true)
  })

  it('keeps exponent and decimal forms as written', () => {
    const text = '[1e3,1E+3,-2.5e-7,1.50,0.1,-0,0,-1,1e400,123.456]'
    expect(roundTrip(text)).toBe(text)
    const v = parseLossless(text) as unknown[]
    expect(v.slice(4)).toEqual([0.1, expect.any(JsonNumber), 0, -1, expect.any(JsonNumber), 123.456])
  })

  it('keeps nesting, key order, and every kind of value', () => {
    const text =
      '{"z":1,"a":{"y":[{"k":null},[],{}],"b":[true,false,"x"]},"m":{"deep":{"deeper":[18446744073709551615]}}}'
    expect(roundTrip(text)).toBe(text)
    expect(Object.keys(parseLossless(text) as object)).toEqual(['z', 'a', 'm'])
  })

  it('reads strings as JSON.parse does: unicode, escapes, and braces or digits inside strings', () => {
    const text =
      '{"name":"Ünïcödé ✓ 😀","esc":"a\\"b\\\\c\\n\\u00e9\\ud83d\\ude00","tricky":"} , ] 99999999999999999999 {","k\\"ey":1}'
    const v = parseLossless(text)
    expect(v).toEqual(JSON.parse(text))
    expect(roundTrip(text)).toBe(JSON.stringify(JSON.parse(text)))
    expect(roundTrip('"Ünïcödé ✓ 😀"')).toBe('"Ünïcödé ✓ 😀"')
  })

  it('tolerates whitespace and keeps "__proto__" as an own field', () => {
    const text = ' {\n\t"__proto__" : { "polluted" : 1 } ,\r\n "n" : [ 1 , 2 ] } '
    const v = parseLossless(text) as Record<string, unknown>
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype)
    expect(Object.keys(v)).toEqual(['__proto__', 'n'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(roundTrip(text)).toBe('{"__proto__":{"polluted":1},"n":[1,2]}')
  })

  it('a string spelled like its internal marker stays that string', () => {
    const text = '{"s":"\\u00000#0","t":["\\u00001#0"],"big":9223372036854775807,"u":"\\\\u00002#0"}'
    const v = parseLossless(text) as Record<string, unknown>
    expect(v).toMatchObject({ s: '\u00000#0', t: ['\u00001#0'], u: '\\u00002#0' })
    expect((v.big as JsonNumber).text).toBe('9223372036854775807')
    expect(roundTrip(text)).toBe(text)
  })

  it('rejects what JSON.parse rejects, with its error', () => {
    for (const bad of ['', '{', '{"a":1,}', '[1 2]', '01', '{"a" 1}', 'nul', '"\u0001"'])
      expect(() => parseLossless(bad), bad).toThrow(SyntaxError)
  })

  it('stringifies like JSON.stringify for plain values (edits made in code)', () => {
    const value = {
      a: undefined,
      b: [undefined, 1, 'x'],
      c: { d: null, e: Number.NaN },
      f: new Date(0),
      n: new JsonNumber('12345678901234567890'),
    }
    expect(stringifyLossless(value)).toBe(
      '{"b":[null,1,"x"],"c":{"d":null,"e":null},"f":"1970-01-01T00:00:00.000Z","n":12345678901234567890}',
    )
    expect(stringifyLossless({ ...(parseLossless('{"big":9223372036854775807}') as object), added: 5 })).toBe(
      '{"big":9223372036854775807,"added":5}',
    )
  })
})
