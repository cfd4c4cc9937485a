const PAIRING_FAILURES_ALLOWED = 10
const PAIRING_FAILURE_WINDOW_MS = 10 * 60_000
/**
 * Wrong pairing codes from all clients together. A guesser can make many client ids (each is just
 * a metadata document), so the per-client count alone does not bound guessing: this does. With
 * 40-bit codes live for 10 minutes, 200 guesses per window give a guesser odds of about 2e-10
 * per live code per window. Honest services rarely mistype, and a wrong code costs them a retry.
 */
const PAIRING_FAILURES_ALLOWED_GLOBALLY = 200
/** Clients remembered for the per-client count; beyond this the oldest are forgotten. */
const PAIRING_CLIENTS_TRACKED = 10_000

/** Wrong pairing codes, per client and in all, over a sliding 10-minute window. */
export class PairingGuesses {
  readonly #failures = new Map<string, number[]>()
  #global: number[] = []

  #recent(clientId: string, now: number): number[] {
    return (this.#failures.get(clientId) ?? []).filter((t) => now - t < PAIRING_FAILURE_WINDOW_MS)
  }

  tooMany(clientId: string, now: number): boolean {
    this.#global = this.#global.filter((t) => now - t < PAIRING_FAILURE_WINDOW_MS)
    return (
      this.#recent(clientId, now).length >= PAIRING_FAILURES_ALLOWED ||
      this.#global.length >= PAIRING_FAILURES_ALLOWED_GLOBALLY
    )
  }

  count(clientId: string, now: number): void {
    const recent = this.#recent(clientId, now)
    this.#failures.delete(clientId)
    this.#failures.set(clientId, [...recent, now])
    if (this.#failures.size > PAIRING_CLIENTS_TRACKED)
      this.#failures.delete(this.#failures.keys().next().value as string)
    this.#global.push(now)
  }
}
