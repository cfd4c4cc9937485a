import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Db } from '../db/database.js'
import { type BlobStore, checkedUpload } from './blob-store.js'

/**
 * Envelopes are stored in pieces of this size: one piece is the most held in memory per stream.
 * Small enough that pg's text form of each piece (hex, twice the size) stays out of V8's
 * large-object space: with 1 MiB pieces a 200 MiB download grew the server's RSS by 78 MiB
 * (garbage awaiting a full collection), with 256 KiB by 34 MiB (bench/large-file.ts).
 */
export const BLOB_CHUNK_BYTES = 256 * 1024

/**
 * Envelopes in the database, so every server instance on it reaches every envelope (the
 * filesystem store would need a shared disk). An upload is written as numbered chunks under a
 * fresh upload id while it is hashed and counted; only when the length and hash are right does
 * a `blobs` row name it, so a half-written or wrong upload is never readable. A failed upload's
 * chunks are deleted; a crash mid-upload leaves chunks that no `blobs` row names, which
 * `sweepOrphans` removes.
 */
export class DatabaseBlobStore implements BlobStore {
  readonly #db: Db

  constructor(db: Db) {
    this.#db = db
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.size(sha256)) !== undefined
  }

  async size(sha256: string): Promise<number | undefined> {
    const row = await this.#db.selectFrom('blobs').select('length').where('sha256', '=', sha256).executeTakeFirst()
    return row?.length
  }

  read(sha256: string): Readable {
    return this.#chunks(sha256, undefined)
  }

  /** The length and upload come from one lookup, so the chunks are read without another. */
  async open(sha256: string) {
    const blob = await this.#db
      .selectFrom('blobs')
      .select(['upload_id', 'length'])
      .where('sha256', '=', sha256)
      .executeTakeFirst()
    return blob === undefined ? undefined : { length: blob.length, stream: this.#chunks(sha256, blob) }
  }

  #chunks(sha256: string, known: { upload_id: string; length: number } | undefined): Readable {
    const db = this.#db
    return Readable.from(
      (async function* () {
        const blob =
          known ??
          (await db.selectFrom('blobs').select(['upload_id', 'length']).where('sha256', '=', sha256).executeTakeFirst())
        if (blob === undefined) throw new Error('no such blob')
        let sent = 0
        // One chunk per query: memory stays at one chunk however large the envelope.
        for (let idx = 0; sent < blob.length; idx++) {
          const chunk = await db
            .selectFrom('blob_chunks')
            .select('data')
            .where('upload_id', '=', blob.upload_id)
            .where('idx', '=', idx)
            .executeTakeFirst()
          if (chunk === undefined) return
          sent += chunk.data.length
          yield Buffer.from(chunk.data)
        }
      })(),
      { objectMode: false },
    )
  }

  async write(body: Readable, sha256: string, declaredLength: number): Promise<void> {
    const uploadId = randomBytes(12).toString('hex')
    const upload = checkedUpload(sha256, declaredLength)
    const db = this.#db
    let published = false
    try {
      await pipeline(body, upload.check, async (source: AsyncIterable<Buffer>) => {
        let pieces: Buffer[] = []
        let held = 0
        let idx = 0
        const flush = async () => {
          if (held === 0) return
          const data = Buffer.concat(pieces, held)
          pieces = []
          held = 0
          await db
            .insertInto('blob_chunks')
            .values({ upload_id: uploadId, idx: idx++, data, created_at: Date.now() })
            .execute()
        }
        for await (const piece of source) {
          pieces.push(piece)
          held += piece.length
          if (held >= BLOB_CHUNK_BYTES) await flush()
        }
        await flush()
      })
      upload.finish()
      const inserted = await db
        .insertInto('blobs')
        .values({ sha256, upload_id: uploadId, length: declaredLength, created_at: Date.now() })
        .onConflict((c) => c.doNothing())
        .executeTakeFirst()
      // Another upload of the same envelope may have won the race: then ours is surplus.
      published = Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1
    } finally {
      if (!published) await db.deleteFrom('blob_chunks').where('upload_id', '=', uploadId).execute()
    }
  }

  /**
   * Deletes the blob and its chunks in one transaction, only if `unused()` still holds. A
   * concurrent upload of the same address that has already reserved it keeps it (its reservation
   * row makes `unused()` false); one that reserves it afterwards publishes its own copy.
   */
  async remove(sha256: string, unused: () => Promise<boolean>): Promise<void> {
    if (!(await unused())) return
    await this.#db.transaction().execute(async (trx) => {
      const gone = await trx
        .deleteFrom('blobs')
        .where('sha256', '=', sha256)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('vault_blobs').select('vault_id').where('sha256', '=', sha256))))
        .returning(['upload_id'])
        .executeTakeFirst()
      if (gone !== undefined) await trx.deleteFrom('blob_chunks').where('upload_id', '=', gone.upload_id).execute()
    })
  }

  /** Deletes chunks older than `olderThanMs` that no blob names (uploads cut short by a crash). */
  async sweepOrphans(now: number, olderThanMs: number): Promise<void> {
    await this.#db
      .deleteFrom('blob_chunks')
      .where('upload_id', 'not in', (eb) => eb.selectFrom('blobs').select('upload_id'))
      .where('created_at', '<', now - olderThanMs)
      .execute()
  }
}
