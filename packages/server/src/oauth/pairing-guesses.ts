import { sha256Base64url } from '../hashing.js'
import type { SharedCounter } from '../services/shared-counter.js'

const PAIRING_FAILURES_ALLOWED = 10
const PAIRING_FAILURE_WINDOW_MS = 10 * 60_000
/**
 * Wrong pairing codes from all clients together. A guesser can make many client ids (each is just
 * a metadata document), so the per-client count alone does not bound guessing: this does. With
 * 40-bit codes live for 10 minutes, 200 guesses per window give a guesser odds of about 2e-10
 * per live code per window. Honest services rarely mistype, and a wrong code costs them a retry.
 */
const PAIRING_FAILURES_ALLOWED_GLOBALLY = 200
const ALL_CLIENTS_KEY = 'pairing-guess:all'

/**
 * Wrong pairing codes, per client and in all, over a fixed 10-minute window, kept on the shared
 * counter so every instance behind one public URL sees the same counts (a guesser spreading
 * guesses over instances gains nothing). A fixed window lets at most twice the limit through
 * across one window boundary; the odds above stay negligible. The client id is hashed into the
 * key so the key's length is bounded whatever the client id.
 */
export class PairingGuesses {
  readonly #counter: SharedCounter

  constructor(counter: SharedCounter) {
    this.#counter = counter
  }

  async tooMany(clientId: string): Promise<boolean> {
    const [mine, all] = await Promise.all([
      this.#counter.peek(clientKey(clientId), PAIRING_FAILURE_WINDOW_MS),
      this.#counter.peek(ALL_CLIENTS_KEY, PAIRING_FAILURE_WINDOW_MS),
    ])
    return mine >= PAIRING_FAILURES_ALLOWED || all >= PAIRING_FAILURES_ALLOWED_GLOBALLY
  }

  async count(clientId: string): Promise<void> {
    await Promise.all([
      this.#counter.hit(clientKey(clientId), PAIRING_FAILURE_WINDOW_MS),
      this.#counter.hit(ALL_CLIENTS_KEY, PAIRING_FAILURE_WINDOW_MS),
    ])
  }
}

function clientKey(clientId: string): string {
  return `pairing-guess:client:${sha256Base64url(clientId)}`
}
