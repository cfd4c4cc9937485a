import { createHash, randomBytes } from 'node:crypto'
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs'
import { join } from 'node:path'
import { PassThrough, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { HttpProblem } from '../errors.js'

/**
 * Where envelopes live, content-addressed by SHA-256 (base64url). Every implementation streams:
 * no envelope is ever held whole in memory. An upload becomes visible only once its length and
 * hash are the ones announced; a failed upload leaves nothing behind.
 */
export interface BlobStore {
  has(sha256: string): Promise<boolean>
  /** The stored length, or undefined when there is no such blob. */
  size(sha256: string): Promise<number | undefined>
  read(sha256: string): Readable
  /** The stored length and a stream of the blob, found with one lookup; undefined when there is none. */
  open(sha256: string): Promise<{ readonly length: number; readonly stream: Readable } | undefined>
  /**
   * Streams `body` in, refusing anything longer than `declaredLength` or with another hash. The
   * body is always read and checked, even when these bytes are stored already: an upload proves
   * its vault has them.
   */
  write(body: Readable, sha256: string, declaredLength: number): Promise<void>
  /**
   * Deletes the blob if `unused()` (asked under this store's guard against a concurrent write of
   * the same address) still says no vault holds it.
   */
  remove(sha256: string, unused: () => Promise<boolean>): Promise<void>
}

/**
 * Counts and hashes an upload as it passes, failing as soon as it is longer than announced.
 * Call `finish()` at the end to check the length and the address.
 */
export function checkedUpload(sha256: string, declaredLength: number) {
  const hash = createHash('sha256')
  let length = 0
  return {
    async *check(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
      for await (const piece of source) {
        length += piece.length
        if (length > declaredLength)
          throw new HttpProblem('invalid_request', 'the body is longer than its Content-Length')
        hash.update(piece)
        yield piece
      }
    },
    finish(): void {
      if (length !== declaredLength)
        throw new HttpProblem('invalid_request', 'the body is shorter than its Content-Length')
      if (hash.digest('base64url') !== sha256) {
        throw new HttpProblem('envelope_invalid', 'the body does not match its SHA-256 address')
      }
    },
  }
}

/**
 * The default store: ciphertext on disk, content-addressed by SHA-256 (base64url). An upload streams to a temporary
 * file while it is hashed and counted; it becomes visible (an atomic rename) only if its length
 * and hash are the ones announced. A failed upload leaves nothing behind.
 */
export class FileBlobStore implements BlobStore {
  readonly #dir: string
  readonly #tmp: string
  /** Per address: the last publish or removal, so a removal never interleaves with a publish. */
  readonly #guards = new Map<string, Promise<unknown>>()

  constructor(dataDir: string) {
    this.#dir = join(dataDir, 'blobs')
    this.#tmp = join(dataDir, 'tmp')
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 })
    mkdirSync(this.#tmp, { recursive: true, mode: 0o700 })
    removeAbandonedUploads(this.#tmp)
  }

  #path(sha256: string): string {
    // sha256 is validated as canonical base64url by the route schema: no path traversal possible.
    return join(this.#dir, sha256.slice(0, 2), sha256)
  }

  async has(sha256: string): Promise<boolean> {
    return existsSync(this.#path(sha256))
  }

  async size(sha256: string): Promise<number | undefined> {
    try {
      return statSync(this.#path(sha256)).size
    } catch {
      return undefined
    }
  }

  read(sha256: string): Readable {
    return createReadStream(this.#path(sha256))
  }

  async open(sha256: string) {
    const length = await this.size(sha256)
    return length === undefined ? undefined : { length, stream: this.read(sha256) }
  }

  async write(body: Readable, sha256: string, declaredLength: number): Promise<void> {
    const tmp = join(this.#tmp, `${process.pid}-${randomBytes(12).toString('hex')}`)
    const upload = checkedUpload(sha256, declaredLength)
    // The request is piped through, not handed to pipeline(): on a failure pipeline() would destroy
    // it, and with it the socket, so the client would see a reset instead of the answer.
    const source = new PassThrough()
    const abandon = (error?: Error) => source.destroy(error ?? new Error('the upload was cut off'))
    body.once('error', abandon)
    body.once('close', () => body.readableEnded || abandon())
    body.pipe(source)
    const out = createWriteStream(tmp, { mode: 0o600 })
    try {
      await pipeline(source, upload.check, out)
      upload.finish()
      await this.#guarded(sha256, async () => {
        mkdirSync(join(this.#dir, sha256.slice(0, 2)), { recursive: true, mode: 0o700 })
        renameSync(tmp, this.#path(sha256))
      })
    } catch (error) {
      // Read and drop the rest of the body (at most its Content-Length), then answer.
      body.unpipe(source)
      body.resume()
      throw error
    } finally {
      // A failed pipeline may leave the file stream open, or still opening: close it, and remove
      // the file now and again once it has closed, so it cannot reappear after the rm and outlive
      // the refused upload.
      if (!out.closed) {
        out.once('close', () => rmSync(tmp, { force: true }))
        out.destroy()
      }
      rmSync(tmp, { force: true })
    }
  }

  async remove(sha256: string, unused: () => Promise<boolean>): Promise<void> {
    await this.#guarded(sha256, async () => {
      if (await unused()) rmSync(this.#path(sha256), { force: true })
    })
  }

  #guarded<T>(sha256: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#guards.get(sha256) ?? Promise.resolve()
    const next = previous.then(work, work)
    const settled = next.catch(() => {})
    this.#guards.set(sha256, settled)
    void settled.then(() => {
      if (this.#guards.get(sha256) === settled) this.#guards.delete(sha256)
    })
    return next
  }
}

/**
 * A partial upload is named after the process writing it. One whose process is gone was cut off
 * by a crash (it was never visible) and is removed; another process sharing the data directory
 * keeps its live uploads.
 */
function removeAbandonedUploads(tmpDir: string): void {
  for (const name of readdirSync(tmpDir)) {
    const pid = Number(name.split('-')[0])
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) continue
    rmSync(join(tmpDir, name), { force: true, recursive: true })
  }
}

/** Whether a process with this id runs on this machine. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
