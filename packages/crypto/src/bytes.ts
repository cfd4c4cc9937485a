import { concatBytes, equalBytes } from '@noble/ciphers/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js'

/** Constant-time equality for byte strings of possibly different lengths (length is not secret). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return equalBytes(a, b)
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(...parts)
}

/** Random bytes from `crypto.getRandomValues`, in pieces to stay under its 65,536-byte quota. */
export function randomBytes(length: number): Uint8Array {
  if (length <= 65_536) return nobleRandomBytes(length)
  const out = new Uint8Array(length)
  for (let offset = 0; offset < length; offset += 65_536) {
    out.set(nobleRandomBytes(Math.min(65_536, length - offset)), offset)
  }
  return out
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

export function sha256Bytes(data: Uint8Array): Uint8Array {
  return sha256(data)
}

export function u16be(value: number): Uint8Array {
  const out = new Uint8Array(2)
  new DataView(out.buffer).setUint16(0, value)
  return out
}

export function u32be(value: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, value)
  return out
}

/** 64-bit big-endian, for values up to 2^53 - 1 (JavaScript's safe integers). */
export function u64be(value: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(value))
  return out
}

export function readU16be(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(offset)
}

export function readU32be(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset)
}

/** Reads a u64; returns undefined when it exceeds 2^53 - 1 so callers can refuse it. */
export function readU64be(bytes: Uint8Array, offset: number): number | undefined {
  const value = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset)
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(value)
}

export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0
  for (const byte of bytes) acc |= byte
  return acc === 0
}

/** Overwrites secret material we own once it is no longer needed (best effort in a GC'd runtime). */
export function wipe(...buffers: Uint8Array[]): void {
  for (const buffer of buffers) buffer.fill(0)
}
