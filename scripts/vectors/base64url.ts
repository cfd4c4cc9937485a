/** base64url.json: the one spelling of each byte string (spec 3.3, CRY-ENC-01 and CRY-ENC-02). */
import { base64urlEncode } from '../../packages/crypto/src/base64url.js'
import { fixed, hex, type VectorWriter } from './support.js'

export function writeBase64urlVectors(write: VectorWriter): void {
  const valid = [
    new Uint8Array(0),
    Uint8Array.of(0x66),
    Uint8Array.of(0x66, 0x6f),
    Uint8Array.of(0x66, 0x6f, 0x6f),
    Uint8Array.of(0xfb, 0xff),
    Uint8Array.of(0xfb, 0xff, 0xbf),
    fixed('base64url 32 bytes'),
    fixed('base64url 16 bytes', 16),
  ].map((bytes) => ({ bytes: hex(bytes), text: base64urlEncode(bytes) }))
  const invalid = [
    { text: 'Zg==', why: 'padding' },
    { text: 'Zm8=', why: 'padding' },
    { text: 'Zm9v=', why: 'padding after a full group' },
    { text: '-_-/', why: '"/" is the standard alphabet, not base64url' },
    { text: '-_+_', why: '"+" is the standard alphabet, not base64url' },
    { text: 'Zm9v Zm9v', why: 'whitespace' },
    { text: 'Zm9v\n', why: 'a line break' },
    { text: 'Z', why: 'a length of 1 modulo 4 encodes no byte string' },
    { text: 'Zm9vZ', why: 'a length of 1 modulo 4 encodes no byte string' },
    { text: 'Zh', why: 'non-zero unused bits in the last character (Zg is canonical)' },
    { text: 'Zm9', why: 'non-zero unused bits in the last character (Zm8 is canonical)' },
    { text: '-_9', why: 'non-zero unused bits in the last character (-_8 is canonical)' },
    { text: 'Zm\u00e9v', why: 'a character outside ASCII' },
    { text: 'Zm.v', why: 'a character outside the alphabet' },
  ].map((entry) => ({ ...entry, error: 'ENCODING_INVALID' }))
  write('base64url.json', {
    description:
      'Unpadded base64url (RFC 4648 section 5) as Holdall requires it (spec 3.3, [CRY-ENC-01], [CRY-ENC-02]). Each valid case is the only text that encodes its bytes (hex): encode the bytes and compare, decode the text and compare. Each invalid text must be refused with ENCODING_INVALID, whatever a lenient decoder would make of it.',
    valid,
    invalid,
  })
}
