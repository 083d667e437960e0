/**
 * What may differ between a doc's sample output and a fresh run of the same scenario, replaced
 * by a placeholder on both sides before they are compared: keys, ports, temp dirs, pids, clock
 * times, durations, measured counts and shares, column padding. Everything else (the words, the
 * codes, the weights lattice set, the revision numbers of a scripted scenario) must match.
 */
const RULES: [RegExp, string][] = [
  // Seeds first (S + key type + 56 more), then public NKeys: account, module, service, operator, user, server.
  [/\bS[AONUCXMV][A-Z2-7]{56}\b/g, '<seed>'],
  [/\b([ACMNOUVX])[A-Z2-7]{55}\b/g, '$1<key>'],
  [/\b(127\.0\.0\.1|localhost|0\.0\.0\.0):\d+/g, '$1:<port>'],
  // A temp dir's own name (mkdtemp's suffix, or the doc's made-up one); the path below it stays.
  [/\/tmp\/[^/\s"'`)]+/g, '/tmp/<dir>'],
  // nats CLI context names end in a hash of the lattice's folder.
  [/(lattice-dev-[\w.-]*?)-[0-9a-f]{6}\b/g, '$1-<hash>'],
  [/\bpid \d+/g, 'pid <pid>'],
  // The dashboard's secret per run (a doc may shorten it).
  [/\btoken=[\w-]+(\.\.\.)?/g, 'token=<token>'],
  // A client's connection id on its server.
  [/\bcid \d+/g, 'cid <cid>'],
  [/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<date>'],
  [/\b\d\d:\d\d:\d\d\b/g, '<time>'],
  // A replica just added by `state scale` is current at once on an idle machine, a moment later on a loaded one.
  [/\breplica( +)catching up$/gm, 'replica$1yes'],
  // Who made a change or started a rollout: user@host, with the CI job when run by one (CI=true adds "(ci)").
  [
    /(?<=^|\s)[a-z_][\w.-]*@[\w.-]+(?: \((?:ci\b|github |gitlab |https?:\/\/)[^)]*\))?(?=[\s;:,.)]|$)/gm,
    '<user>@<host>',
  ],
  // Measured durations: "5.5 ms", "1258 ms", "29 s" after a measurement.
  [/(?<![\w.])\d+(\.\d+)? ?ms\b/g, '<ms>'],
  // Analysis figures measured from real calls: p-values (also 2.1e-68), calls behind an error rate "(0/609)", a version's calls in status.
  [/\bp=[\d.]+(e[+-]?\d+)?/g, 'p=<p>'],
  // The sequential judge's evidence, and the stable calls its verdict counted ("20.00% of 36 calls vs 0.00% of 276").
  [/\be-value [\d.]+(e[+-]?\d+)?/g, 'e-value <e>'],
  [/(?<=% of )\d+(?![\w.])/g, '<n>'],
  // The calls behind a sequential stop ("on 36 canary and 276 stable calls", "on 36 canary calls").
  [/(?<![\w.])\d+(?= canary and \d+ stable calls\b| (?:canary|stable) calls\b)/g, '<n>'],
  [/(?<=\(\d+\/)\d+(?=\))/g, '<n>'],
  [/\[95% CI [^\]]+\]/g, '[95% CI <ci>]'],
  [/^(\s*\S+ \((?:stable|canary)\) {2,})\d+/gm, '$1<n>'],
  // Whether an equal canary's tiny latency shift is significant is chance; both pass.
  [/\(significant but within the tolerance/g, '(within the tolerance'],
  // Decimal numbers (observed shares, rates, statistics), not versions like 1.0.0 or addresses.
  [/(?<![\w.])\d+\.\d+(?![\w.])/g, '<x>'],
  // A smoke test's tally of calls to a failing canary.
  [/\b\d+ of (\d+) calls answered, \d+ failed/g, '<n> of $1 calls answered, <n> failed'],
  // verify's table: the calls each version got ("1.1.0  30%  <x>%  934").
  [/^(\S+ {2,}\d+% {2,}<x>% {2,})\d+$/gm, '$1<n>'],
  // Counts of calls: four digits or more, or any number before "calls".
  [/(?<![\w.])\d{4,}(?![\w.])/g, '<n>'],
  [/(?<![\w.])\d+(?= calls\b)/g, '<n>'],
  // dev traffic's running counts: "501 sent; v1 340 (<x>%)", and its table's answered calls.
  [/(?<![\w.])\d+(?= sent\b| \(<x>%\))/g, '<n>'],
  [/^(\S+ {2,})\d+(?= {2,}\d+ {2,}<x>%$)/gm, '$1<n>'],
  // Which server leads a stream is elected; how many values the state holds differs by server version.
  [/^\S+(?=\s+(leader|replica)\s)/gm, '<server>'],
  [/\b\d+ values\b/g, '<n> values'],
  // Which server holds a bucket's one replica is JetStream's choice (STATE_UNAVAILABLE names it).
  [/(?<=servers not answering: )\S+(?= \(of )/g, '<server>'],
  // The nats-server version under test (2.9.x, 2.1x.x), in status --servers and SERVER_RULES.
  [/\b2\.(9|1\d)\.\d+\b/g, '<nats-server>'],
  // A share drawn as a bar: its length follows the measurement.
  [/[█░|]+/g, '<bar>'],
]

/** Normalise one block of output (a doc's or a real run's) for comparison. */
export function normalise(text: string): string {
  let out = text.replace(/\r\n/g, '\n')
  for (const [re, to] of RULES) out = out.replace(re, to)
  return out
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, '  ').trimEnd())
    .filter((line) => line !== '')
    .join('\n')
}
