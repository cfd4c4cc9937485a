/* Tables of federation (spec chapter 11), kept apart so schema.ts stays readable at once. */

/** A handle this host issued (spec 11.4): its newest holder-signed record and the chain it was signed under. */
export interface HandleTable {
  name: string
  vault_id: string
  root: string
  seq: number
  record: string
  /** JSON array of base64url chain entries, as the holder's device sent them. */
  device_chain: string
  updated_at: number
}
