/**
 * The NATS services framework's discovery answers ($SRV.INFO and $SRV.STATS; ADR-32), read and
 * checked before anything of them is shown or steered: any member of the account may answer.
 * Two shapes exist: the v1 protocol (`type` io.nats.micro.v1.*, `endpoints[]`; nats.js, nats.go
 * from 1.23, the other clients) and the older one of nats.go 1.22 (Debian bookworm's): no `type`,
 * one endpoint, its `subject` at the top, flat counters, queue group always "q". The older shape
 * is read as one endpoint named after the service.
 */
import { DEFAULT_QUEUE_GROUP, isServiceVersion, quoted, serviceNameProblem } from '../subjects/index.js'

export interface ServiceEndpoint {
  name: string
  subject: string
  queueGroup: string
}

export interface ServiceInstance {
  name: string
  /** The instance's id (a nuid): one per running instance. */
  id: string
  version: string
  endpoints: ServiceEndpoint[]
}

export interface EndpointStats extends ServiceEndpoint {
  requests: number
  errors: number
  /** Total processing time in nanoseconds, as the library measured it. */
  processingNs: number
}

export interface InstanceStats {
  name: string
  id: string
  version: string
  /** When the counters started (a restart or a reset moves it). */
  started: string
  endpoints: EndpointStats[]
}

/** The longest name, version, id or subject taken from an answer (a subject stays printable). */
const MAX_TEXT = 256
/** Endpoints taken from one answer. */
const MAX_ENDPOINTS = 256

type Json = Record<string, unknown>

/** One $SRV.INFO answer as an instance, or why it is not one. */
export function parseInfo(raw: string): ServiceInstance | { problem: string } {
  const parsed = parseObject(raw)
  if ('problem' in parsed) return parsed
  const j = parsed.json
  const base = identity(j, 'info_response')
  if ('problem' in base) return base
  const endpoints = endpointsOf(j, base.name)
  if ('problem' in endpoints) return endpoints
  return { ...base, endpoints: endpoints.list.map(({ name, subject, queueGroup }) => ({ name, subject, queueGroup })) }
}

/** One $SRV.STATS answer, or why it is not one. */
export function parseStats(raw: string): InstanceStats | { problem: string } {
  const parsed = parseObject(raw)
  if ('problem' in parsed) return parsed
  const j = parsed.json
  const base = identity(j, 'stats_response')
  if ('problem' in base) return base
  const started = text(j.started, 'started')
  if (typeof started !== 'string') return started
  const endpoints = endpointsOf(j, base.name, true)
  if ('problem' in endpoints) return endpoints
  const list: EndpointStats[] = []
  for (const e of endpoints.list) {
    const counts = ['num_requests', 'num_errors', 'processing_time'].map((k) => count(e.raw[k], k))
    const bad = counts.find((c) => typeof c !== 'number')
    if (bad !== undefined) return bad as { problem: string }
    const [requests, errors, processingNs] = counts as number[]
    if (errors > requests) return { problem: `endpoint ${quoted(e.name)} counts more errors than requests` }
    list.push({ name: e.name, subject: e.subject, queueGroup: e.queueGroup, requests, errors, processingNs })
  }
  return { ...base, started, endpoints: list }
}

function parseObject(raw: string): { json: Json } | { problem: string } {
  let j: unknown
  try {
    j = JSON.parse(raw)
  } catch {
    return { problem: 'not JSON' }
  }
  return j !== null && typeof j === 'object' && !Array.isArray(j)
    ? { json: j as Json }
    : { problem: 'not a JSON object' }
}

function identity(j: Json, kind: string): { name: string; id: string; version: string } | { problem: string } {
  if (j.type !== undefined && j.type !== `io.nats.micro.v1.${kind}`)
    return { problem: `type ${quoted(String(j.type))} is not io.nats.micro.v1.${kind}` }
  const [name, id, version] = [text(j.name, 'name'), text(j.id, 'id'), text(j.version, 'version')]
  for (const v of [name, id, version]) if (typeof v !== 'string') return v
  if (serviceNameProblem(name as string)) return { problem: `name ${quoted(name as string)} is not a service name` }
  if (!/^[A-Za-z0-9_-]+$/.test(id as string)) return { problem: `id ${quoted(id as string)} is not an instance id` }
  if (!isServiceVersion(version as string))
    return { problem: `version ${quoted(version as string)} is not a semantic version` }
  return { name: name as string, id: id as string, version: version as string }
}

interface RawEndpoint extends ServiceEndpoint {
  raw: Json
}

/** v1: `endpoints[]`; the older shape: the answer itself is the one endpoint, named after the service. */
function endpointsOf(j: Json, service: string, stats = false): { list: RawEndpoint[] } | { problem: string } {
  if (j.endpoints === undefined && j.type === undefined) {
    if (!stats && j.subject === undefined) return { list: [] }
    return endpointsOf({ endpoints: [{ ...j, name: service }] }, service, stats)
  }
  if (!Array.isArray(j.endpoints)) return { problem: 'endpoints is not a list' }
  if (j.endpoints.length > MAX_ENDPOINTS) return { problem: `more than ${MAX_ENDPOINTS} endpoints` }
  const list: RawEndpoint[] = []
  for (const e of j.endpoints as unknown[]) {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) return { problem: 'an endpoint is not an object' }
    const raw = e as Json
    const name = text(raw.name, 'endpoint name')
    if (typeof name !== 'string') return name
    const subject = text(raw.subject ?? (stats ? '' : undefined), 'endpoint subject')
    if (typeof subject !== 'string') return subject
    const queueGroup = text(raw.queue_group ?? DEFAULT_QUEUE_GROUP, 'queue group')
    if (typeof queueGroup !== 'string') return queueGroup
    const problem = subject === '' && stats ? undefined : subjectProblem(subject)
    if (problem) return { problem: `endpoint ${quoted(name)}: subject ${quoted(subject)} ${problem}` }
    list.push({ name, subject, queueGroup, raw })
  }
  return { list }
}

/** Why an endpoint subject cannot be shown or steered (a literal subject of printable tokens). */
function subjectProblem(subject: string): string | undefined {
  if (subject === '') return 'is empty'
  if (/[\s\u0000-\u001f\u007f]/u.test(subject)) return 'contains whitespace or control characters'
  if (subject.split('.').some((t) => t === '')) return 'has an empty token'
  return undefined
}

function text(v: unknown, what: string): string | { problem: string } {
  if (typeof v !== 'string') return { problem: `${what} is ${v === undefined ? 'missing' : 'not text'}` }
  if (v.length > MAX_TEXT) return { problem: `${what} is longer than ${MAX_TEXT} characters` }
  return v
}

function count(v: unknown, what: string): number | { problem: string } {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
    ? v
    : { problem: `${what} is not a count (${quoted(String(v))})` }
}
