import { HoldallLogError, type LogErrorCode } from '../src/errors.js'

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
export const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'))
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** Runs `fn` and returns the code of the HoldallLogError it throws (fails if it throws nothing else). */
export function codeOf(fn: () => unknown): LogErrorCode | 'none' {
  try {
    fn()
  } catch (error) {
    if (error instanceof HoldallLogError) return error.code
    throw error
  }
  return 'none'
}

export function errorOf(fn: () => unknown): HoldallLogError {
  try {
    fn()
  } catch (error) {
    if (error instanceof HoldallLogError) return error
    throw error
  }
  throw new Error('expected a HoldallLogError, and nothing was thrown')
}
