/** What lattice remembers of the services it routed, as a command reads it: once, from the state's head. */
import { type ServiceCatalogue, checkedCatalogue } from '../subjects/index.js'
import type { Session } from './session.js'

/**
 * The service endpoints lattice has routed, read from the state's head when first needed (most
 * commands never ask). Without the state, or with a head that cannot be read, there are none: a
 * service's mappings then read as another tool's (shown, never edited); a change reads the head
 * again itself and refreshes this (journaled.ts).
 */
export async function serviceCatalogue(session: Session): Promise<ServiceCatalogue> {
  session.services ??= session.journal
    ? (checkedCatalogue((await session.journal.head().catch(() => undefined))?.value.last?.services) ?? {})
    : {}
  return session.services
}
