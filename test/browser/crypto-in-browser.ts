// Bundled by esbuild and run inside Chromium by test/browser-crypto.test.ts. It uses only the
// public entry point of @holdall/crypto and the browser's own Web Streams and WebCrypto RNG.
import { sealEnvelopeWithSalt } from '../../packages/crypto/src/envelope.js'
import * as holdall from '../../packages/crypto/src/index.js'

interface EnvelopeVector {
  dek: string
  salt: string
  context: { vaultId: string; recordId: string; version: number; keyEpoch: number }
  metadata: string
  plaintext: { hex: string }
  ciphertext: string
}

const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (b) => Number.parseInt(b, 16))
const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  const reader = stream.getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    parts.push(value)
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

async function run(vector: EnvelopeVector): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = { userAgent: navigator.userAgent }

  // Our vector, reproduced byte for byte in the browser.
  const context = {
    ...vector.context,
    vaultId: fromHex(vector.context.vaultId),
    recordId: fromHex(vector.context.recordId),
  }
  const sealed = sealEnvelopeWithSalt(
    { dek: fromHex(vector.dek), context, metadata: fromHex(vector.metadata), plaintext: fromHex(vector.plaintext.hex) },
    fromHex(vector.salt),
  )
  results.vectorReproduced = toHex(sealed.ciphertext) === vector.ciphertext

  // Streams: 200 KiB through the encrypt and decrypt streams, in odd-sized pieces.
  const dek = holdall.generateDataKey()
  const streamContext = { vaultId: holdall.generateId(), recordId: holdall.generateId(), version: 1, keyEpoch: 0 }
  const plaintext = new Uint8Array(200 * 1024).map((_, i) => i % 253)
  const source = new Blob([plaintext]).stream()
  const encrypt = holdall.createEnvelopeEncryptStream({
    dek,
    context: streamContext,
    metadata: new TextEncoder().encode('{"contentType":"application/pdf"}'),
  })
  const ciphertext = await collect(source.pipeThrough(encrypt))
  const summary = await encrypt.summary
  const decrypted = await collect(
    new Blob([ciphertext as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
      holdall.createEnvelopeDecryptStream({
        dek,
        expect: streamContext,
        expectedCiphertextSha256: summary.ciphertextSha256,
      }),
    ),
  )
  results.streamRoundTrip = decrypted.length === plaintext.length && decrypted.every((b, i) => b === plaintext[i])

  // Tampering is refused in the browser too.
  const tampered = ciphertext.slice()
  tampered[ciphertext.length - 1] = (tampered[ciphertext.length - 1] as number) ^ 1
  try {
    holdall.openEnvelope(tampered, { dek, expect: streamContext })
    results.tamperRefused = 'accepted'
  } catch (error) {
    results.tamperRefused = holdall.isHoldallCryptoError(error) ? error.code : String(error)
  }

  // HPKE wrap to a grantee, and a strict Ed25519 manifest.
  const surgery = holdall.generateDeviceKeys()
  const grantId = holdall.generateId()
  const wrap = await holdall.wrapToGrantee(dek, surgery.agreement.publicKey, { grantId, ...streamContext })
  const unwrapped = await holdall.unwrapAsGrantee(wrap, surgery.agreement.secretKey, { grantId, ...streamContext })
  results.hpkeRoundTrip = holdall.constantTimeEqual(unwrapped, dek) && wrap.length === 80
  const author = holdall.generateDeviceKeys()
  const manifest = holdall.signManifest(
    {
      ...streamContext,
      recordTypeCode: 1,
      commitment: summary.commitment,
      ciphertextSha256: summary.ciphertextSha256,
      ciphertextLength: summary.ciphertextLength,
      previousManifestSha256: holdall.NO_PREVIOUS_MANIFEST,
      authorKeyId: holdall.keyThumbprint(author.signing.publicKey, 'Ed25519'),
      createdAt: Date.now(),
    },
    author.signing.secretKey,
  )
  results.manifestVerified = holdall.verifyManifest(manifest.bytes, author.signing.publicKey).version === 1
  return results
}

;(globalThis as unknown as { holdallRun: typeof run }).holdallRun = run
