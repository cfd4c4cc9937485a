import { EventEmitter } from 'node:events'
import type pg from 'pg'
import { z } from 'zod'

export interface VaultEvent {
  /**
   * 'request', 'deposit', 'grant_revoked', 'recovery' and 'device_removed' go to the holder's
   * devices; 'device_removed' (id: the device) also ends that device's own streams, and
   * 'tokens_revoked' (id: the token family) only ends the streams it names, on every instance
   * (services/stream-slots.ts).
   */
  readonly type:
    | 'request'
    | 'deposit'
    | 'grant_revoked'
    | 'recovery'
    | 'device_removed'
    | 'tokens_revoked'
    // the holder erased the vault (spec 13): every stream of it ends
    | 'vault_erased'
  readonly id: string
}

/**
 * Tells a holder's connected devices about new requests and deposits, so a wallet learns of a
 * request within a second instead of polling.
 */
export interface Notifier {
  publish(vaultId: string, event: VaultEvent): void
  subscribe(vaultId: string, listener: (event: VaultEvent) => void): () => void
  close(): Promise<void>
}

/** One process: an in-memory fan-out (SQLite, or a single instance). */
export class VaultNotifier implements Notifier {
  readonly #emitter = new EventEmitter()

  constructor() {
    this.#emitter.setMaxListeners(0)
  }

  publish(vaultId: string, event: VaultEvent): void {
    this.#emitter.emit(vaultId, event)
  }

  subscribe(vaultId: string, listener: (event: VaultEvent) => void): () => void {
    this.#emitter.on(vaultId, listener)
    return () => this.#emitter.off(vaultId, listener)
  }

  async close(): Promise<void> {
    this.#emitter.removeAllListeners()
  }
}

const CHANNEL = 'holdall_vault_events'
const message = z.object({
  vault_id: z.string().max(200),
  type: z.enum(['request', 'deposit', 'grant_revoked', 'recovery', 'device_removed', 'tokens_revoked', 'vault_erased']),
  id: z.string().max(200),
})

/**
 * Several instances on one PostgreSQL: events go out with NOTIFY and come back to every instance
 * (this one included) on a LISTEN connection, so a holder connected to instance A hears of a
 * request made on instance B. The payload names only ids, never content. If the LISTEN
 * connection drops it is reopened; events sent meanwhile are missed, which a wallet covers by
 * listing pending requests when it reconnects (the event stream is a hint, never the record).
 */
export class PostgresNotifier implements Notifier {
  readonly #local = new VaultNotifier()
  readonly #url: string
  readonly #pg: typeof pg
  readonly #publisher: pg.Pool
  #listener: pg.Client | undefined
  #closed = false

  private constructor(url: string, driver: typeof pg) {
    this.#url = url
    this.#pg = driver
    this.#publisher = new driver.Pool({ connectionString: url, max: 2 })
    // See db/database.ts: a dropped idle connection must not end the process.
    this.#publisher.on('error', () => {})
  }

  static async start(url: string): Promise<PostgresNotifier> {
    // Loaded only here and in db/database.ts: a SQLite host never loads the PostgreSQL driver.
    const { default: driver } = await import('pg')
    const notifier = new PostgresNotifier(url, driver)
    await notifier.#listen()
    return notifier
  }

  async #listen(): Promise<void> {
    const client = new this.#pg.Client({ connectionString: this.#url })
    client.on('notification', (n) => {
      if (n.channel !== CHANNEL || n.payload === undefined) return
      let parsed: z.infer<typeof message>
      try {
        parsed = message.parse(JSON.parse(n.payload))
      } catch {
        return
      }
      this.#local.publish(parsed.vault_id, { type: parsed.type, id: parsed.id })
    })
    client.on('error', () => {
      this.#listener = undefined
      void client.end().catch(() => {})
      if (!this.#closed) setTimeout(() => void this.#listen().catch(() => {}), 1000).unref()
    })
    await client.connect()
    await client.query(`LISTEN ${CHANNEL}`)
    this.#listener = client
  }

  publish(vaultId: string, event: VaultEvent): void {
    const payload = JSON.stringify({ vault_id: vaultId, type: event.type, id: event.id })
    this.#publisher.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]).catch(() => {
      // A lost hint: devices still see the request when they next list pending requests.
    })
  }

  subscribe(vaultId: string, listener: (event: VaultEvent) => void): () => void {
    return this.#local.subscribe(vaultId, listener)
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#listener?.end().catch(() => {})
    await this.#publisher.end()
    await this.#local.close()
  }
}
