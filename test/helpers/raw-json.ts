/**
 * The members of a compact JSON object text, each as [key, raw value text], in order. Written
 * here rather than taken from src/, so that a number rounded anywhere shows as different text
 * (the fidelity checks of fidelity.test.ts and components.test.ts).
 */
export function rawFields(text: string): [string, string][] {
  const fields: [string, string][] = []
  let [depth, inString, start, colon] = [0, false, 1, 0]
  for (let i = 1; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{' || c === '[') depth++
    else if (depth > 0 && (c === '}' || c === ']')) depth--
    else if (depth === 0 && c === ':' && colon < start) colon = i
    else if (depth === 0 && (c === ',' || c === '}') && i > start) {
      fields.push([JSON.parse(text.slice(start, colon)) as string, text.slice(colon + 1, i)])
      start = i + 1
    }
  }
  return fields
}
