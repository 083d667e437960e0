// Small DOM helpers for the page (no framework: the page is a handful of lists that change in place).

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v
    else e.setAttribute(k, v)
  }
  for (const c of children) e.append(c)
  return e
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id)
  if (!e) throw new Error(`the page has no #${id}`)
  return e as T
}

/** Sets text only when it changed (a write costs a style recalculation even when equal). */
export function setText(e: Element, text: string): void {
  if (e.textContent !== text) e.textContent = text
}

export function setAttr(e: Element, name: string, value: string): void {
  if (e.getAttribute(name) !== value) e.setAttribute(name, value)
}

export const pct = (n: number | null | undefined, digits = 1): string =>
  n === null || n === undefined ? '–' : `${n.toFixed(digits)}%`

/** "ABCDEFGH…WXYZ" for a long public key: enough to tell accounts apart. */
export const shortKey = (k: string): string => (k.length > 16 ? `${k.slice(0, 8)}…${k.slice(-4)}` : k)

export function localTime(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString()
}

/** One colour per version index, readable on light and dark backgrounds. */
const PALETTE = ['#3b82f6', '#f97316', '#10b981', '#a855f7', '#ef4444', '#eab308', '#06b6d4', '#ec4899']
export const colour = (i: number): string => PALETTE[i % PALETTE.length]
