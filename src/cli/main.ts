/**
 * The CLI entry the bundle exports (scripts/bundle.js): guard every output stream against
 * secrets, then hand over to oclif.
 */
import { execute as oclifExecute } from '@oclif/core'
import { guardOutput } from './output-guard.js'

export async function execute(opts: Parameters<typeof oclifExecute>[0]): Promise<unknown> {
  guardOutput()
  return oclifExecute(opts)
}
