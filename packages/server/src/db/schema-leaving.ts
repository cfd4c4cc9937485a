/* Tables of leaving (spec chapter 13) and of leaving under pressure (10.9), kept apart so schema.ts stays readable at once. */

/** An erased vault's tombstone and its erasure's progress (migration 0012, spec chapter 13). */
export interface ErasureTable {
  vault_id: string
  state: 'closed' | 'erasing' | 'erased'
  /** The log size the holder's device had verified: the receipt's consistency proof starts there. */
  from_size: number
  erased_at: number
  /** The vault's device ids (key thumbprints), JSON: a DPoP proof by one of them fetches the receipt. */
  device_ids: string
  /** The erasure receipt (JSON, spec 13.4) once made. */
  receipt: string | null
  /** Envelope addresses still to remove from the blob store, JSON ('erasing' only). */
  pending_blobs: string | null
}

/** The hash of an erased vault's token, without its vault, until the token would have expired. */
export interface ErasedTokenTable {
  token_hash: string
  expires_at: number
}

/** Issue 19: a vault's silent duress alert (spec 10.9): the grant it tells and its token's hash. */
export interface DuressAlertTable {
  vault_id: string
  grant_id: string
  token_hash: string
  created_at: number
  fired_count: number
  last_fired_at: number | null
}
