// Bundled by esbuild and run inside Chromium by test/browser-log.test.ts: the public entry point
// of @holdall/log, checking the published vectors with nothing but what a browser has.
import * as log from '../../packages/log/src/index.js'

const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (b) => Number.parseInt(b, 16))
const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

interface LogVectors {
  tree: { leaves: string[]; roots: string[]; consistency: { from: number; to: number; proof: string[] }[] }
  checkpoints: {
    origin: string
    logKey: { name: string; seed: string; verifierKey: string }
    valid: { note: string }[]
    invalid: { name: string; note: string; error: string }[]
  }
}

function codeOf(fn: () => unknown): string {
  try {
    fn()
    return 'none'
  } catch (error) {
    return log.isHoldallLogError(error) ? error.code : `not a log error: ${String(error)}`
  }
}

;(globalThis as unknown as { holdallLogRun: (v: LogVectors) => Record<string, unknown> }).holdallLogRun = (vectors) => {
  const tree = new log.MerkleTree()
  for (const leaf of vectors.tree.leaves) tree.append(fromHex(leaf))
  const proofsVerify = vectors.tree.consistency.every(({ from, to, proof }) => {
    log.verifyConsistency(
      from,
      to,
      fromHex(vectors.tree.roots[from] as string),
      fromHex(vectors.tree.roots[to] as string),
      proof.map(fromHex),
    )
    return toHex(tree.consistencyProof(from, to)[0] ?? new Uint8Array()) === (proof[0] ?? '')
  })
  const { logKey, origin } = vectors.checkpoints
  const trust = { origin, keys: [log.parseVerifierKey(logKey.verifierKey)] }
  const first = vectors.checkpoints.valid[0]?.note as string
  const text = first.slice(0, first.lastIndexOf('\n\n') + 1)
  return {
    root8: toHex(tree.root()),
    proofsVerify,
    noteReproduced: log.signNote(text, [{ name: logKey.name, secretKey: fromHex(logKey.seed) }]) === first,
    validOpen: vectors.checkpoints.valid.map((v) => codeOf(() => log.openCheckpoint(v.note, trust))),
    invalid: vectors.checkpoints.invalid.map((c) => ({
      name: c.name,
      expected: c.error,
      got: codeOf(() => log.openCheckpoint(c.note, trust)),
    })),
    userAgent: navigator.userAgent,
  }
}
