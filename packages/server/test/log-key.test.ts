import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HolderClient } from '@holdall/client'
import { type NoteSigner, openCheckpoint, parseVerifierKey, vaultLogOrigin } from '@holdall/log'
import type { HostMetadata } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatSignerKey, loadLogKeys } from '../src/services/log-key.js'
import { type Host, startHost } from './harness.js'

const signer = (name: string): NoteSigner => ({ name, secretKey: new Uint8Array(randomBytes(32)) })

describe('the host log key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdall-log-key-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('[LOG-HOST-05] is written once to the data folder (mode 0600) and read back the same; a wrong key id is refused', () => {
    const first = loadLogKeys({ dataDir: dir, publicUrl: 'https://vault.example.org' })
    expect(first.verifierKeys[0]?.name).toBe('vault.example.org/log')
    expect(statSync(join(dir, 'log-key')).mode & 0o777).toBe(0o600)
    const again = loadLogKeys({ dataDir: dir, publicUrl: 'https://vault.example.org' })
    expect(again.verifierKeys).toEqual(first.verifierKeys)
    const line = readFileSync(join(dir, 'log-key'), 'utf8').trim()
    const broken = join(dir, 'broken-key')
    writeFileSync(broken, `${line.replace(/\+([0-9a-f]{8})\+/, '+00000000+')}\n`)
    expect(() => loadLogKeys({ file: broken, dataDir: dir, publicUrl: 'https://x.example' })).toThrow(/key id/)
  })

  describe('during a rotation', () => {
    let host: Host
    const current = signer('rotation.example/log')
    const next = signer('rotation.example/log-2026')
    beforeAll(async () => {
      host = await startHost({}, { app: { logKeys: [current, next] } })
    })
    afterAll(async () => host?.close())

    it('[LOG-HOST-05][LOG-HOST-03] discovery lists both keys, every checkpoint verifies under each alone, and successive checkpoints are consistent', async () => {
      const metadata = (await (await fetch(`${host.url}/.well-known/holdall`)).json()) as HostMetadata
      const keys = (metadata.log_verifier_keys ?? []).map(parseVerifierKey)
      expect(keys.map((k) => k.name)).toEqual([current.name, next.name])
      expect(formatSignerKey(current)).toMatch(/^PRIVATE\+KEY\+rotation\.example\/log\+[0-9a-f]{8}\+/)
      const holder = await HolderClient.createVault(host.url)
      const origin = vaultLogOrigin(host.url, holder.vaultId)
      const note = await holder.vaultLog.checkpoint()
      for (const key of keys) expect(openCheckpoint(note, { origin, keys: [key] }).checkpoint.size).toBe(1)
      const synced = await holder.vaultLog.sync()
      expect(synced.trusted.size).toBe(1)
      await holder.createPairingCode()
      const later = await holder.vaultLog.sync()
      expect(later.trusted.size).toBeGreaterThanOrEqual(1)
    })
  })
})
