/**
 * Test-only fault injection. When the environment variable HOLDALL_TEST_PAUSE_AT names a pause
 * point, the server stops there for good (inside the database transaction, mid-stream) after
 * printing `HOLDALL_PAUSED <point>` on stderr, so a test can SIGKILL it at exactly that moment.
 * It is never set in production; unset, a pause point costs one comparison.
 */
export type PausePoint =
  | 'approval-in-transaction'
  | 'revocation-in-transaction'
  // erasure (spec 13.3): inside its first transaction, between its steps, and mid-way through the envelopes
  | 'erasure-close-in-transaction'
  | 'erasure-before-delete'
  | 'erasure-mid-blobs'
  // moving a vault (spec chapter 12): each step's transaction, on the host it leaves and the one it reaches
  | 'move-freeze-in-transaction'
  | 'move-import-in-transaction'
  | 'move-tombstone-in-transaction'
  | 'move-live-in-transaction'
  | 'move-blob-stored'

export async function pauseFor(point: PausePoint): Promise<void> {
  if (process.env.HOLDALL_TEST_PAUSE_AT !== point) return
  process.stderr.write(`HOLDALL_PAUSED ${point}\n`)
  await new Promise<never>(() => {})
}
