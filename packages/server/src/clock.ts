/** Milliseconds since the Unix epoch. Injected so tests can move time (grant expiry, pairing codes). */
export type Clock = () => number
export const systemClock: Clock = () => Date.now()
