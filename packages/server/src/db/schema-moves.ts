/* Tables of a vault's move between hosts (spec chapter 12, migration 0011). */
/**
 * A vault's move as this host sees it (spec chapter 12, migration 0011). The host it leaves
 * ('export'): 'moving' (frozen), then 'tombstoned'. The host it arrives at ('import'): 'importing',
 * then 'live'. No row: the vault is live here as it always was.
 */
export interface VaultMoveTable {
  vault_id: string
  move_id: string
  role: 'export' | 'import'
  state: 'moving' | 'tombstoned' | 'importing' | 'live'
  /** The holder's move statement (compact JWS). */
  statement: string
  /** The other host's URL: where it goes (export) or where it came from (import). */
  other_host: string
  /** The log's size and root (base64url) ending with the move's `vault_moved` entry. */
  log_size: number
  log_root: string
  /** Import only: SHA-256 of the package as received (an identical retry is answered the same). */
  package_sha256: string | null
  /** The holder's commit (compact JWS): the tombstone (export), or what made it live (import). */
  commit_jws: string | null
  /** Export: until when the tombstone is kept (host clock, ms). */
  kept_until: number | null
  created_at: number
}

/** Every move id this host imported, so a replayed move is refused (MIG-PKG-02). */
export interface ImportedMoveTable {
  move_id: string
  vault_id: string
  package_sha256: string
  created_at: number
}
