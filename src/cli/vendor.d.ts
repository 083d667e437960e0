// supports-color 8 (oclif's, which src/cli/fast-help.ts asks the same question) ships no types.
declare module 'supports-color' {
  type Level = false | { level: number; hasBasic: boolean; has256: boolean; has16m: boolean }
  const supportsColor: { stdout: Level; stderr: Level }
  export default supportsColor
}
