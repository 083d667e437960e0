export * from './names.js'
export * from './version-token.js'
export * from './entity-keys.js'
export * from './control.js'
