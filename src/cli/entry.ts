/** The bundle's entry (scripts/bundle.js): what bin/run.js calls, and the help class (package.json oclif.helpClass). */
export { execute } from './main.js'
export { LatticeHelp as HELP } from './help.js'
