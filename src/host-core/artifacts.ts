/**
 * Claims and binaries cached by (kind, id, version): two versions of one entity never share
 * or overwrite each other's entry. Concurrent loads of one key share one fetch.
 */
import type { Artifact, ArtifactLoader, ArtifactRef } from './types.js'

export class ArtifactCache {
  private readonly entries = new Map<string, Promise<Artifact>>()

  constructor(private readonly loader?: ArtifactLoader) {}

  static key(ref: ArtifactRef): string {
    return `${ref.kind}\u0000${ref.id}\u0000${ref.version}`
  }

  async get(ref: ArtifactRef): Promise<Artifact | undefined> {
    if (!this.loader) return undefined
    const key = ArtifactCache.key(ref)
    let entry = this.entries.get(key)
    if (!entry) {
      entry = this.loader.load({ ...ref })
      this.entries.set(key, entry)
      // A failed load is not cached: the next start tries again.
      entry.catch(() => this.entries.delete(key))
    }
    return entry
  }

  has(ref: ArtifactRef): boolean {
    return this.entries.has(ArtifactCache.key(ref))
  }

  get size(): number {
    return this.entries.size
  }
}
