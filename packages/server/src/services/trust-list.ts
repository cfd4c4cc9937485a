import { type TrustList, type TrustListEntry, trustListSchema } from '@holdall/protocol'
import { compactVerify, importJWK, type JWK } from 'jose'

export interface LoadedTrustList {
  /** The compact JWS exactly as signed: served to clients, who verify it themselves. */
  readonly jws: string
  readonly list: TrustList
  find(clientId: string): TrustListEntry | undefined
}

/**
 * Verifies a trust list (compact JWS, typ `trust-list+jwt`, EdDSA) against the operator's
 * public key. The host uses it to decide which organisations are verified and what category
 * they are; clients verify the same bytes against the same anchor.
 */
export async function loadTrustList(jws: string, anchor: JWK, now: number): Promise<LoadedTrustList> {
  const key = await importJWK(anchor, 'EdDSA')
  const { payload, protectedHeader } = await compactVerify(jws, key, { algorithms: ['EdDSA', 'Ed25519'] })
  if (protectedHeader.typ !== 'trust-list+jwt') throw new Error('trust list has the wrong typ')
  const list = trustListSchema.parse(JSON.parse(new TextDecoder().decode(payload)))
  if (list.exp * 1000 <= now) throw new Error('trust list has expired')
  const byClient = new Map(list.organisations.map((entry) => [entry.client_id, entry]))
  return { jws, list, find: (clientId) => byClient.get(clientId) }
}
