import { randomBytes } from 'node:crypto'
import { HolderClient, LOG_CHECKPOINT_RECORD } from '@holdall/client'
import { generateDeviceKeys } from '@holdall/crypto'
import { HoldallLogError, MemoryVaultLogStore, MerkleTree, type NoteSigner, signCheckpoint } from '@holdall/log'
import { LOG_CHECKPOINT_HEADER } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'

/*
 * Split view (spec 8.6.1; the fork of security.md 5.3 case 35, shown to one phone only): the
 * operator holds the host's log key and shows one phone of a vault one history and the other
 * phone another. The phones exchange their verified checkpoints through the vault as sealed,
 * device-signed `log_checkpoint` records; the host can withhold those, never forge or alter
 * them, so once they meet both phones raise the alarm.
 */

type Rewrite = (path: string, body: Record<string, unknown>) => Record<string, unknown> | undefined

/** One phone's connection, whose answers the operator may rewrite by path. */
function operatorFetch(): { fetch: typeof fetch; set(r: Rewrite | undefined): void } {
  const state: { rewrite: Rewrite | undefined } = { rewrite: undefined }
  return {
    set(r) {
      state.rewrite = r
    },
    fetch: async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
      let sent = init
      if (state.rewrite !== undefined && url.pathname.endsWith('/log/checkpoint')) {
        // A host serving a fork does not check the checkpoint a phone presents (spec 8.8) against its own.
        const headers = new Headers(init?.headers)
        headers.delete(LOG_CHECKPOINT_HEADER)
        sent = { ...init, headers }
      }
      const response = await fetch(input, sent)
      if (state.rewrite === undefined || !response.ok || !response.headers.get('content-type')?.includes('json'))
        return response
      const body = (await response.json()) as Record<string, unknown>
      const changed = state.rewrite(url.pathname + url.search, body) ?? body
      const headers = new Headers(response.headers)
      headers.delete('content-length')
      return new Response(JSON.stringify(changed), { status: response.status, headers })
    },
  }
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')

/** Hides every `log_checkpoint` record from a records list: the host withholding publications. */
const withholdCheckpoints: Rewrite = (path, body) =>
  path.endsWith('/records') && Array.isArray(body.records)
    ? { ...body, records: body.records.filter((r: { record_type: string }) => r.record_type !== LOG_CHECKPOINT_RECORD) }
    : undefined

describe('malicious host: one vault shown two histories (split view)', () => {
  let host: Host
  const signer: NoteSigner = { name: 'operator-test/log', secretKey: new Uint8Array(randomBytes(32)) }

  beforeAll(async () => {
    host = await startHost({}, { app: { logKeys: [signer] } })
  })
  afterAll(async () => host?.close())

  /** A phone with two records, and a tablet it linked, each on its own (operator-controlled) connection. */
  async function twoPhones() {
    const phoneWire = operatorFetch()
    const tabletWire = operatorFetch()
    const phoneStore = new MemoryVaultLogStore()
    const tabletStore = new MemoryVaultLogStore()
    const phone = await HolderClient.createVault(host.url, phoneWire.fetch, { logStore: phoneStore })
    await phone.putRecord('medication_list', medicationList(), 'Medicines')
    await phone.putRecord('medication_list', medicationList(), 'More medicines')
    const keys = generateDeviceKeys()
    await phone.enrolDevice({ signing: keys.signing.publicKey, agreement: keys.agreement.publicKey })
    const tablet = await HolderClient.joinVault(host.url, keys, phone.vaultId, phone.deviceId, tabletWire.fetch, {
      logStore: tabletStore,
    })
    return { phone, tablet, phoneWire, tabletWire, phoneStore, tabletStore }
  }

  /**
   * Serves `wire`'s phone a fork of the vault's log as it stands: the same entries without
   * entry 1 (a record written), under a checkpoint the operator signs with the host's log key.
   */
  async function serveFork(phone: HolderClient, wire: ReturnType<typeof operatorFetch>, also?: Rewrite) {
    const size = (await phone.vaultLog.sync()).trusted.size
    const real = await phone.vaultLog.entries(0, size)
    const forked = real.filter((_, i) => i !== 1)
    const tree = new MerkleTree()
    for (const e of forked) tree.append(e)
    const note = signCheckpoint({ origin: phone.vaultLog.origin, size: forked.length, rootHash: tree.root() }, [signer])
    wire.set((path, body) => {
      const other = also?.(path, body)
      if (other !== undefined) return other
      if (path.endsWith('/log/checkpoint')) return { ...body, checkpoint: note }
      const range = /\/log\/entries\?start=(\d+)&end=(\d+)$/.exec(path)
      if (range !== null) return { ...body, entries: forked.slice(Number(range[1]), Number(range[2])).map(b64url) }
      return undefined
    })
    return forked.length
  }

  it('[LOG-PEER-01][LOG-PEER-02] an honest host: each phone publishes its checkpoint and checks the other one', async () => {
    const { phone, tablet } = await twoPhones()
    const first = await phone.exchangeLogCheckpoints()
    expect(first.published).toBeGreaterThan(0)
    expect(first.checked).toEqual([])
    expect(first.notCompared).toEqual([tablet.deviceId])
    const second = await tablet.exchangeLogCheckpoints()
    expect(second.checked.map((c) => c.deviceKeyId)).toEqual([phone.deviceId])
    expect(second.unchecked).toEqual([])
    expect(second.notCompared).toEqual([])
    const third = await phone.exchangeLogCheckpoints()
    expect(third.checked.map((c) => c.deviceKeyId)).toEqual([tablet.deviceId])
    // The publication is a holder record of a reserved type: never offered to a service.
    const views = await phone.listRecords()
    expect(views.filter((v) => v.record_type === LOG_CHECKPOINT_RECORD)).toHaveLength(2)
  })

  it('[LOG-PEER-03] the operator shows the tablet a fork; once they exchange, both phones raise the alarm', async () => {
    const { phone, tablet, tabletWire, phoneStore, tabletStore } = await twoPhones()
    const forkSize = await serveFork(phone, tabletWire)
    // Each phone alone sees a history that checks out.
    expect((await tablet.vaultLog.sync()).trusted.size).toBe(forkSize)
    await phone.exchangeLogCheckpoints()

    const tabletError = await tablet.exchangeLogCheckpoints().catch((e: unknown) => e)
    expect(tabletError).toBeInstanceOf(HoldallLogError)
    const tabletAlarm = (await tabletStore.load())?.alarm
    expect(tabletAlarm?.code).toMatch(/^LOG_(PROOF_MISMATCH|FORKED)$/)
    expect(tabletAlarm?.evidence.presented).toContain(`\n${forkSize + 1}\n`)
    expect(tabletAlarm?.evidence.trusted).toContain(`\n${forkSize}\n`)

    const phoneError = await phone.exchangeLogCheckpoints().catch((e: unknown) => e)
    expect(phoneError).toBeInstanceOf(HoldallLogError)
    const phoneAlarm = (await phoneStore.load())?.alarm
    expect(phoneAlarm?.code).toMatch(/^LOG_(PROOF_MISMATCH|FORKED)$/)
    expect(phoneAlarm?.evidence.presented).toBe(tabletAlarm?.evidence.trusted)
    // Neither phone follows that log again.
    await expect(phone.vaultLog.sync()).rejects.toMatchObject({ code: 'LOG_UNTRUSTED' })
    await expect(tablet.vaultLog.sync()).rejects.toMatchObject({ code: 'LOG_UNTRUSTED' })
  })

  it('[LOG-PEER-03][LOG-PEER-04] a host that withholds one phone’s checkpoint from the other is caught by the other direction', async () => {
    const { phone, tablet, tabletWire, phoneStore, tabletStore } = await twoPhones()
    // The tablet is shown the fork and none of the phone's publications: it sees nothing wrong.
    let withholding = true
    await serveFork(phone, tabletWire, (path, body) => (withholding ? withholdCheckpoints(path, body) : undefined))
    await phone.exchangeLogCheckpoints()
    const hidden = await tablet.exchangeLogCheckpoints()
    expect(hidden.checked).toEqual([])
    // Withheld is not "agree": the phone it could not compare with is named ([LOG-PEER-04]).
    expect(hidden.notCompared).toEqual([phone.deviceId])
    expect((await tabletStore.load())?.alarm).toBeUndefined()
    // But its own publication reaches the phone, which raises the alarm.
    await expect(phone.exchangeLogCheckpoints()).rejects.toBeInstanceOf(HoldallLogError)
    expect((await phoneStore.load())?.alarm).toBeDefined()
    // And when the host stops withholding, the tablet raises it too.
    withholding = false
    await expect(tablet.exchangeLogCheckpoints()).rejects.toBeInstanceOf(HoldallLogError)
    expect((await tabletStore.load())?.alarm).toBeDefined()
  })

  it('[LOG-PEER-02] a publication the host alters is not taken as checked: the host can hide one, not make one up', async () => {
    const { phone, tablet, phoneWire } = await twoPhones()
    await tablet.exchangeLogCheckpoints()
    const records = await phone.listRecords()
    const medicines = records.find((r) => r.record_type === 'medication_list')
    // The operator points the tablet's publication at another record's ciphertext.
    phoneWire.set((path, body) =>
      path.endsWith('/records') && Array.isArray(body.records)
        ? {
            ...body,
            records: body.records.map((r: { record_type: string }) =>
              r.record_type === LOG_CHECKPOINT_RECORD ? { ...r, ciphertext_sha256: medicines?.ciphertext_sha256 } : r,
            ),
          }
        : undefined,
    )
    const exchange = await phone.exchangeLogCheckpoints()
    expect(exchange.checked).toEqual([])
    expect(exchange.unchecked.map((u) => u.deviceKeyId)).toContain(tablet.deviceId)
    expect(exchange.notCompared).toEqual([tablet.deviceId])
  })

  it('[LOG-PEER-04] a host that replays an older publication only shows an older checkpoint, still checked', async () => {
    const { phone, tablet, tabletWire } = await twoPhones()
    const first = await phone.exchangeLogCheckpoints()
    const old = (await phone.listRecords()).find((r) => r.record_type === LOG_CHECKPOINT_RECORD)
    await phone.putRecord('medication_list', medicationList(), 'Later medicines')
    await phone.putRecord('medication_list', medicationList(), 'Even later')
    const second = await phone.exchangeLogCheckpoints()
    expect(second.published).toBeGreaterThan(first.published ?? 0)
    tabletWire.set((path, body) =>
      path.endsWith('/records') && Array.isArray(body.records)
        ? {
            ...body,
            records: body.records.map((r: { record_type: string }) =>
              r.record_type === LOG_CHECKPOINT_RECORD ? old : r,
            ),
          }
        : undefined,
    )
    const exchange = await tablet.exchangeLogCheckpoints()
    expect(exchange.checked).toEqual([{ deviceKeyId: phone.deviceId, size: first.published }])
  })
})
