import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
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

  it('npm run demo: the narrated journey against a real host ends well and exits 0', () => {
    const root = join(import.meta.dirname, '..')
    const output = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), ['examples/demo/src/main.ts'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(output).toContain('Signed by HMP Leeds Healthcare')
    expect(output).toContain('runs out 2026-12-18')
    expect(output).toContain('Refused: the surgery keeps only what it already saw.')
    expect(output).toContain('The journey worked.')
  })

  it('npm run demo:probation: probation reads the licence; a GP asking for the victim part is refused', () => {
    const root = join(import.meta.dirname, '..')
    const output = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), ['examples/demo/src/probation.ts'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(output).toContain('the host refused before Jordan was even asked')
    expect(output).toContain('The officer reads the licence: CRD')
    expect(output).toContain('victim protective conditions too')
  })

  it('[OFF-READ-01] npm run demo:offline: the officer verifies the licence QR with the holder’s host stopped and no request to it', () => {
    const root = join(import.meta.dirname, '..')
    const output = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), ['examples/demo/src/offline.ts'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(output).toContain('The demo stops Jordan’s host now')
    expect(output).toContain('Reader: Checked: licence conditions')
    expect(output).toContain('The licence is current')
    expect(output).toContain('Signed by Leeds Probation Delivery Unit (N53)')
    expect(output).toContain('Shown from one of this person’s own phones.')
    expect(output).toContain('Each code is for one viewing')
    expect(output).toContain('This code was changed after the phone made it')
    expect(output).toContain('This code has run out')
    expect(output).toContain('Requests to Jordan’s host from the moment the phone went offline: 0.')
  })

  it('npm run demo:week: scenarios 5, 6, 8, 9, 10, 11, 12, 16 and 17 each pass their condition against one host (issue 21)', () => {
    const root = join(import.meta.dirname, '..')
    const output = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), ['examples/demo/src/week.ts'], {
      cwd: root,
      encoding: 'utf8',
    })
    for (const scenario of [5, 6, 8, 9, 10, 11, 12, 16, 17]) expect(output).toContain(`Scenario ${scenario} passed`)
    expect(output).toContain('The week worked.')
  })

  it('npm run demo:lost-phone: kit and key worker recover the vault on a new phone; the old one is refused; the GP still reads', () => {
    const root = join(import.meta.dirname, '..')
    const output = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), ['examples/demo/src/lost-phone.ts'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(output).toContain('Rebuilt from the kit and the worker shares')
    expect(output).toContain('Opens on the new phone: Medicines on release')
    expect(output).toContain('The old phone is refused: 401.')
    expect(output).toContain('The old kit no longer works: 403.')
    expect(output).toContain('Signed by HMP Leeds Healthcare')
    expect(output).toContain('The lost-phone journey worked.')
  })

  it('npm run demo:move: the vault and the GP grant move to another host; the GP reads again with no new approval', () => {
    const root = join(import.meta.dirname, '..')
    const output = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), ['examples/demo/src/move.ts'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(output).toContain("the GP's software checked Jordan's signature on it, then went to B")
    expect(output).toContain('No new request reached Jordan.')
    expect(output).toContain('Host A says the vault moved to')
    expect(output).toContain('The move worked.')
  })
})
