import { EventEmitter } from 'node:events'

export interface VaultEvent {
  readonly type: 'request' | 'deposit' | 'grant_revoked'
  readonly id: string
}

/**
 * Tells a holder's connected devices about new requests and deposits, so a wallet learns of a
 * request within a second instead of polling. In-process only; several server instances need a
 * shared fan-out (the scale issue).
 */
export class VaultNotifier {
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
}
