import { parsePairingQr, parseTypedPairingCode, type TrustListHost } from '@holdall/protocol'
import { HoldallError } from './errors.js'
import type { HolderRootHint } from './holder-chain.js'
import type { TrustedOrganisations } from './trust-list.js'

/*
 * Which host a pairing code or handle names (spec 11.2, 11.3): a number in the operator's host
 * registry, looked up in the client's own verified copy of the trust list ([FED-PAIR-02]). The
 * host a client then acts on is the operator's, never one a host or a network named.
 */

/** The registry entry of host number `n`, or HOST_UNKNOWN. */
export function hostByNumber(trusted: TrustedOrganisations, n: number): TrustListHost {
  const host = trusted.list.hosts?.find((h) => h.number === n)
  if (host === undefined) throw new HoldallError('HOST_UNKNOWN', `host number ${n} is not in the trust list`)
  return host
}

/** The registry number of the host at `url` (a wallet puts it in its QR code), if listed. */
export function hostNumberOf(trusted: TrustedOrganisations, url: string): number | undefined {
  const origin = url.replace(/\/+$/, '')
  return trusted.list.hosts?.find((h) => h.url === origin)?.number
}

export interface ResolvedPairing {
  /** The host to act on: from the registry when the code named one, else `fallbackHost`. */
  readonly hostUrl: string
  readonly hostNumber: number | undefined
  readonly code: string
  /** The root fingerprint the QR code carried, for the first check of the holder's chain. */
  readonly root?: HolderRootHint
}

/**
 * What a desk scanned or typed, with the host it names. A code that names no host (an older
 * wallet's) means `fallbackHost`, the desk's usual host, or HOST_UNKNOWN if it has none.
 */
export function resolvePairing(input: string, trusted: TrustedOrganisations, fallbackHost?: string): ResolvedPairing {
  const qr = parsePairingQr(input)
  const typed = qr === undefined ? parseTypedPairingCode(input) : undefined
  const code = qr?.code ?? typed?.code
  if (code === undefined) throw new HoldallError('HOST_UNKNOWN', 'this is not a pairing code')
  const hostNumber = qr?.hostNumber ?? typed?.hostNumber
  let hostUrl: string
  if (hostNumber !== undefined) hostUrl = hostByNumber(trusted, hostNumber).url
  else if (fallbackHost !== undefined) hostUrl = fallbackHost.replace(/\/+$/, '')
  else throw new HoldallError('HOST_UNKNOWN', 'the pairing code names no host, and no usual host was given')
  return {
    hostUrl,
    hostNumber,
    code,
    ...(qr === undefined ? {} : { root: { rootFingerprint: qr.rootFingerprint } }),
  }
}
