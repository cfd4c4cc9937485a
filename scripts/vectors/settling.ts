/**
 * The vectors that settle what the first edition of the spec left open (issue 15): each in its
 * own file, so they can be read, and regenerated, apart from the structure vectors.
 */
import { writeBase64urlVectors } from './base64url.js'
import { writeEndToEndVectors } from './end-to-end.js'
import { writeErrorClassVectors } from './error-classes.js'
import { writeStrictEd25519Vectors } from './strict-ed25519.js'
import type { VectorWriter } from './support.js'

export async function writeSettlingVectors(write: VectorWriter): Promise<void> {
  writeBase64urlVectors(write)
  writeStrictEd25519Vectors(write)
  await writeErrorClassVectors(write)
  await writeEndToEndVectors(write)
}
