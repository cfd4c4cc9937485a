import { describe, expect, it } from 'vitest'
import { runJourney } from '../examples/crypto-journey/src/journey.js'

describe('examples', () => {
  it('crypto-journey: the GP reads and verifies the medicines; the host sees no plaintext', async () => {
    const result = await runJourney()
    expect(result.gpReadMedicines).toContain('Sertraline 50 mg')
    expect(result.gpVerifiedIssuer).toBe(true)
    expect(result.readAfterRotation).toBe(result.gpReadMedicines)
    expect(result.hostSwapRefused).toBe('ENVELOPE_CONTEXT_MISMATCH')
    expect(result.revokedWrapGone).toBe(true)
    expect(result.oldDeviceLockedOut).toBe('WRAP_OPEN_FAILED')
    expect(result.hostSawPlaintext).toBe(false)
  })
})
