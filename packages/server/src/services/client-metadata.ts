import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { BlockList, isIP } from 'node:net'
import { assertAgreementPublicKey, assertSigningPublicKey, base64urlDecode } from '@holdall/crypto'
import { type ClientMetadata, clientMetadataSchema } from '@holdall/protocol'
import type { Clock } from '../clock.js'
import { HttpProblem } from '../errors.js'
import { BoundedCache } from './bounded-cache.js'

const MAX_DOCUMENT_BYTES = 64 * 1024
const TIMEOUT_MS = 5000
const CACHE_MS = 5 * 60_000
/** Documents cached at most; client ids cost an attacker nothing, so the cache must be bounded. */
const CACHE_ENTRIES = 1000

/** Addresses a metadata fetch must never reach (SSRF): private, loopback, link-local, reserved. */
function blockedAddresses(allowLoopback: boolean): BlockList {
  const list = new BlockList()
  for (const [net, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const) {
    list.addSubnet(net, prefix, 'ipv4')
  }
  if (!allowLoopback) list.addSubnet('127.0.0.0', 8, 'ipv4')
  for (const [net, prefix] of [
    ['::', 128],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
    ['64:ff9b::', 96],
  ] as const) {
    list.addSubnet(net, prefix, 'ipv6')
  }
  if (!allowLoopback) list.addAddress('::1', 'ipv6')
  return list
}

/** IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are judged as the IPv4 address they carry. */
function isBlocked(list: BlockList, address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped !== null) return list.check(mapped[1] as string, 'ipv4')
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')
}

/**
 * The members Holdall acts on, and nothing else: unknown members are dropped here rather than
 * carried into what the host stores and shows holders, and a key's `alg` (checked by the schema)
 * is dropped so every stored key has exactly the members of chapter 2.2.
 */
function holdallView(document: ClientMetadata): ClientMetadata {
  const [signing, agreement] = document.jwks.keys
  return {
    client_id: document.client_id,
    client_name: document.client_name,
    category: document.category,
    registry_code: document.registry_code,
    jwks: {
      keys: [
        { kty: signing.kty, crv: signing.crv, x: signing.x, use: signing.use, kid: signing.kid },
        { kty: agreement.kty, crv: agreement.crv, x: agreement.x, use: agreement.use, kid: agreement.kid },
      ],
    },
    ...(document.grant_types === undefined ? {} : { grant_types: document.grant_types }),
  }
}

/**
 * Keys a document may carry: an Ed25519 key of prime order (a small-order key lets anyone forge
 * its client assertions, since OpenSSL and jose accept any point) and an X25519 key outside the
 * small subgroup (a wrap to it would be readable by anyone). [CRY-KEY-03], [CRY-KEY-02]
 */
function hasStrongKeys(document: ClientMetadata): boolean {
  const [signing, agreement] = document.jwks.keys
  try {
    assertSigningPublicKey(base64urlDecode(signing.x))
    assertAgreementPublicKey(base64urlDecode(agreement.x))
    return true
  } catch {
    return false
  }
}

export interface MetadataResolver {
  resolve(clientId: string): Promise<ClientMetadata>
}

/**
 * Fetches a service's or issuer's metadata document from its client_id URL. https only (http
 * only to loopback, and only with the explicit development setting); the address is checked
 * after DNS resolution, inside the connection's own lookup, so DNS rebinding cannot slip past;
 * no redirects; 5 s; 64 KiB; the document must name itself.
 */
export function createMetadataResolver(options: {
  allowLoopback: boolean
  clock: Clock
  /** Documents cached at most (default 1000), each for five minutes. */
  cacheEntries?: number
}): MetadataResolver {
  const blocked = blockedAddresses(options.allowLoopback)
  const cache = new BoundedCache<ClientMetadata>({
    maxEntries: options.cacheEntries ?? CACHE_ENTRIES,
    ttlMs: CACHE_MS,
    clock: options.clock,
  })

  const lookup = checkedLookup(blocked)

  return {
    async resolve(clientId: string): Promise<ClientMetadata> {
      const cached = cache.get(clientId)
      if (cached !== undefined) return cached
      let url: URL
      try {
        url = new URL(clientId)
      } catch {
        throw new HttpProblem('invalid_request', 'client_id must be a URL')
      }
      const loopbackHost = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]'
      const httpAllowed = url.protocol === 'http:' && options.allowLoopback && loopbackHost
      if (
        (url.protocol !== 'https:' && !httpAllowed) ||
        url.username !== '' ||
        url.password !== '' ||
        url.hash !== ''
      ) {
        throw new HttpProblem('invalid_request', 'client_id must be an https URL without credentials or fragment')
      }
      if (isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) {
        const literal = url.hostname.replace(/^\[|\]$/g, '')
        if (isBlocked(blocked, literal)) {
          throw new HttpProblem('invalid_request', 'client_id points at an address that is not allowed')
        }
      }
      let raw: unknown
      try {
        raw = await fetchDocument(url, lookup)
      } catch {
        throw new HttpProblem('invalid_request', 'the client metadata document could not be fetched')
      }
      // Unknown members are ignored and standard ones checked (spec 5.4, API-META-03).
      const parsed = clientMetadataSchema.safeParse(raw)
      if (!parsed.success || parsed.data.client_id !== clientId) {
        throw new HttpProblem('invalid_request', 'the client metadata document is not valid')
      }
      if (!hasStrongKeys(parsed.data))
        throw new HttpProblem('invalid_request', 'the client metadata document has a weak or malformed key')
      const document = holdallView(parsed.data)
      cache.set(clientId, document)
      return document
    },
  }
}

/** A DNS lookup that refuses blocked addresses: checked inside the connection, so rebinding cannot slip past. */
function checkedLookup(blocked: BlockList) {
  return (
    hostname: string,
    lookupOptions: object,
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (err, addresses) => {
      if (err) return callback(err, [])
      const list = addresses as LookupAddress[]
      const bad = list.find((a) => isBlocked(blocked, a.address))
      if (bad !== undefined || list.length === 0) return callback(new Error('address not allowed'), [])
      const all = (lookupOptions as { all?: boolean }).all === true
      if (all) return callback(null, list)
      const first = list[0] as LookupAddress
      callback(null, first.address, first.family)
    })
  }
}

async function fetchDocument(url: URL, lookup: ReturnType<typeof checkedLookup>): Promise<unknown> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'GET', headers: { accept: 'application/json' }, lookup: lookup as never, timeout: TIMEOUT_MS },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume()
          return reject(new Error(`status ${res.statusCode}`))
        }
        if (!/^application\/json\b/.test(res.headers['content-type'] ?? '')) {
          res.resume()
          return reject(new Error('not JSON'))
        }
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > MAX_DOCUMENT_BYTES) {
            req.destroy(new Error('too large'))
            return
          }
          chunks.push(chunk)
        })
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
          } catch (error) {
            reject(error)
          }
        })
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    // The socket timeout above is per idle gap; a server that drips a byte every few seconds
    // would pass it for days. This bounds the whole fetch.
    const deadline = setTimeout(() => req.destroy(new Error('too slow')), TIMEOUT_MS)
    req.on('close', () => clearTimeout(deadline))
    req.on('error', reject)
    req.end()
  })
}
