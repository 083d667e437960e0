// The baseline for `lattice shift`: the least a nats.js script must do to move traffic
// (connect as the system user, look up the account JWT, set one mapping, sign, push, wait
// for every server's acknowledgement). No checks, no read-back.
// usage: node bench/baseline-shift.mjs <servers> <sys creds> <operator seed file> <account> <subject> <dest v1> <dest v2> <weight> <server count>
import { readFileSync } from 'node:fs'
import { RequestStrategy, connect, credsAuthenticator } from 'nats'
import { fromSeed } from 'nkeys.js'

const [servers, creds, seedFile, account, subject, d1, d2, weight, count] = process.argv.slice(2)
const nc = await connect({ servers: servers.split(','), authenticator: credsAuthenticator(readFileSync(creds)) })
const jwt = new TextDecoder().decode(
  (await nc.request(`$SYS.REQ.ACCOUNT.${account}.CLAIMS.LOOKUP`, undefined, { timeout: 2000 })).data,
)
const claims = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString())
const w = Number(weight)
claims.nats.mappings = {
  ...claims.nats.mappings,
  [subject]: [
    { subject: d1, weight: 100 - w },
    { subject: d2, weight: w },
  ],
}
const kp = fromSeed(new TextEncoder().encode(readFileSync(seedFile, 'utf8').trim()))
claims.iat = Math.max(Math.floor(Date.now() / 1000), claims.iat + 1)
claims.iss = kp.getPublicKey()
const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' })).toString('base64url')
const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
const signed = `${header}.${payload}.${Buffer.from(kp.sign(new TextEncoder().encode(`${header}.${payload}`))).toString('base64url')}`
let acks = 0
for await (const m of await nc.requestMany('$SYS.REQ.CLAIMS.UPDATE', new TextEncoder().encode(signed), {
  strategy: RequestStrategy.Count,
  maxMessages: Number(count),
  maxWait: 5000,
})) {
  if (m.data.length) acks++
}
if (acks < Number(count)) process.exit(1)
await nc.close()
