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
 * Ciphertext on disk, content-addressed by SHA-256 (base64url). An upload streams to a temporary
 * file while it is hashed and counted; it becomes visible (an atomic rename) only if its length
 * and hash are the ones announced. A failed upload leaves nothing behind.
 */
export class BlobStore {
  readonly #dir: string
  readonly #tmp: string

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

  has(sha256: string): boolean {
    return existsSync(this.#path(sha256))
  }

  size(sha256: string): number {
    return statSync(this.#path(sha256)).size
  }

  read(sha256: string): Readable {
    return createReadStream(this.#path(sha256))
  }

  /** Streams `body` in, refusing anything longer than `declaredLength` or with another hash. */
  async write(body: Readable, sha256: string, declaredLength: number): Promise<void> {
    if (this.has(sha256)) {
      body.resume()
      return
    }
    const tmp = join(this.#tmp, `${process.pid}-${randomBytes(12).toString('hex')}`)
    const hash = createHash('sha256')
    let length = 0
    // The request is piped through, not handed to pipeline(): on a failure pipeline() would destroy
    // it, and with it the socket, so the client would see a reset instead of the answer.
    const source = new PassThrough()
    const abandon = (error?: Error) => source.destroy(error ?? new Error('the upload was cut off'))
    body.once('error', abandon)
    body.once('close', () => body.readableEnded || abandon())
    body.pipe(source)
    try {
      await pipeline(
        source,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const piece of source) {
            length += piece.length
            if (length > declaredLength)
              throw new HttpProblem('invalid_request', 'the body is longer than its Content-Length')
            hash.update(piece)
            yield piece
          }
        },
        createWriteStream(tmp, { mode: 0o600 }),
      )
      if (length !== declaredLength)
        throw new HttpProblem('invalid_request', 'the body is shorter than its Content-Length')
      if (hash.digest('base64url') !== sha256) {
        throw new HttpProblem('envelope_invalid', 'the body does not match its SHA-256 address')
      }
      mkdirSync(join(this.#dir, sha256.slice(0, 2)), { recursive: true, mode: 0o700 })
      renameSync(tmp, this.#path(sha256))
    } catch (error) {
      // Read and drop the rest of the body (at most its Content-Length), then answer.
      body.unpipe(source)
      body.resume()
      throw error
    } finally {
      rmSync(tmp, { force: true })
    }
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
