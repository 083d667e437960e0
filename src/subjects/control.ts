/**
 * Control-interface subjects of host-core (JSON in and out):
 *   wasmbus.ctl.{lattice}.cmd.{hostId}.{start|stop|scale}
 *   wasmbus.ctl.{lattice}.get.{hostId}.inv
 *   wasmbus.ctl.{lattice}.ping.hosts
 */
export type ControlCommand = 'start' | 'stop' | 'scale'

export const controlCommandSubject = (lattice: string, hostId: string, cmd: ControlCommand) =>
  `wasmbus.ctl.${lattice}.cmd.${hostId}.${cmd}`
export const inventorySubject = (lattice: string, hostId: string) => `wasmbus.ctl.${lattice}.get.${hostId}.inv`
export const pingHostsSubject = (lattice: string) => `wasmbus.ctl.${lattice}.ping.hosts`

import { DEFAULT_QUEUE_GROUP } from './service-subjects.js'

/** The queue group every instance of one entity joins, whatever its version or host (a service's: the framework's default). */
export function entityQueueGroup(entity: {
  kind: 'actor' | 'provider' | 'component' | 'service'
  id: string
  link?: string
}): string {
  if (entity.kind === 'service') return DEFAULT_QUEUE_GROUP
  return entity.kind === 'provider' ? `${entity.id}.${entity.link ?? 'default'}` : entity.id
}
