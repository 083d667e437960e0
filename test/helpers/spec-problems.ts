/** The problems parseSpec reports for `text` (SPEC_INVALID); throws if it reports none. */
import { LatticeError } from '../../src/errors.js'
import { type SpecProblem, parseSpec } from '../../src/spec/parse.js'

export function problems(text: string): SpecProblem[] {
  try {
    parseSpec(text, 'f.yaml')
  } catch (e) {
    if (e instanceof LatticeError && e.code === 'SPEC_INVALID')
      return (e.details as { problems: SpecProblem[] }).problems
    throw e
  }
  throw new Error('expected problems')
}
