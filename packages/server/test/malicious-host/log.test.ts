import { randomBytes } from 'node:crypto'
import { HoldallError, HolderClient, type ServiceClient } from '@holdall/client'
import {
  base64Decode,
  base64Encode,
  decodeLogEntry,
  encodeLogEntry,
  HoldallLogError,
  leafHash,
  MemoryVaultLogStore,
  MerkleTree,
  type NoteSigner,
  parseCheckpoint,
  parseNote,
  signCheckpoint,
  signNote,
  verifyConsistency,
  verifyInclusion,
} from '@holdall/log'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'
import { ask } from './operator-keys.js'

/*
 * The verifiable log against its own host (security.md 5.3, cases 35, 36, 38 and 39). The
 * operator holds the host's log key (the test passes it to the host, so it can sign as the host
 * would), edits the host's database and rewrites the host's answers; the holder SDK and the
 * service SDK must catch every change to a history they have verified, and a service must never
 * unwrap a key whose serving is not in the signed log.
 */

const ED25519_L = (1n << 252n) + 27742317777372353535851937790883648493n

type Rewrite = (path: string, body: Record<string, unknown>) => Record<string, unknown> | undefined

/** A fetch whose answers the operator may rewrite, by path. */
function operatorFetch(): { fetch: typeof fetch; rewrite: Rewrite | undefined; set(r: Rewrite | undefined): void } {
  const state: { rewrite: Rewrite | undefined } = { rewrite: undefined }
  return {
    get rewrite() {
      return state.rewrite
    },
    set(r) {
      state.rewrite = r
    },
    fetch: async (input, init) => {
      const response = await fetch(input, init)
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
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
const fromB64url = (text: string) => new Uint8Array(Buffer.from(text, 'base64url'))

describe('malicious host: the verifiable log', () => {
  let host: Host
  const signer: NoteSigner = { name: 'operator-test/log', secretKey: new Uint8Array(randomBytes(32)) }

  beforeAll(async () => {
    host = await startHost({}, { app: { logKeys: [signer] } })
  })
  afterAll(async () => host?.close())

  /** The vault's entries as the host holds them, through the holder's own connection. */
  async function tree(holder: HolderClient, size: number): Promise<MerkleTree> {
    const t = new MerkleTree()
    for (const e of await holder.vaultLog.entries(0, size)) t.append(e)
    return t
  }

  const checkpointFor = (holder: HolderClient, size: number, root: Uint8Array) =>
    signCheckpoint({ origin: holder.vaultLog.origin, size, rootHash: root }, [signer])

  async function holderWithRecords(wire = operatorFetch(), store = new MemoryVaultLogStore()) {
    const holder = await HolderClient.createVault(host.url, wire.fetch, { logStore: store })
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    await holder.putRecord('medication_list', medicationList(), 'More medicines')
    return { holder, wire, store }
  }

  it('[LOG-HOST-01][LOG-CLIENT-02] an honest host: the creating device follows the log from empty, entry by entry', async () => {
    const { holder } = await holderWithRecords()
    const first = await holder.vaultLog.sync()
    expect(first.trusted.size).toBe(3)
    expect(first.entries.map((e) => e.entry.type)).toEqual(['device_added', 'record_written', 'record_written'])
    await holder.putRecord('medication_list', medicationList(), 'Third')
    const second = await holder.vaultLog.sync()
    expect(second.trusted.size).toBe(4)
    expect(second.entries.map((e) => e.index)).toEqual([3])
  })

  it('[LOG-CLIENT-01][LOG-CLIENT-03] case 35: a smaller tree is an alarm with both signed checkpoints, and the log is never followed again', async () => {
    const { holder, wire, store } = await holderWithRecords()
    const before = await holder.vaultLog.sync()
    const smaller = await tree(holder, 2)
    wire.set((path, body) =>
      path.endsWith('/log/checkpoint') ? { ...body, checkpoint: checkpointFor(holder, 2, smaller.root()) } : undefined,
    )
    const error = await holder.vaultLog.sync().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HoldallLogError)
    expect(error).toMatchObject({ code: 'LOG_SHRUNK' })
    const alarm = (await store.load())?.alarm
    expect(alarm?.code).toBe('LOG_SHRUNK')
    expect(alarm?.evidence.trusted).toBe(before.trusted.checkpoint)
    expect(alarm?.evidence.presented).toContain('\n2\n')
    wire.set(undefined)
    await expect(holder.vaultLog.sync()).rejects.toMatchObject({ code: 'LOG_UNTRUSTED' })
  })

  it('[LOG-CLIENT-03] case 35: another root at the same size (a fork) is an alarm', async () => {
    const { holder, wire, store } = await holderWithRecords()
    const { trusted } = await holder.vaultLog.sync()
    wire.set((path, body) =>
      path.endsWith('/log/checkpoint')
        ? { ...body, checkpoint: checkpointFor(holder, trusted.size, new Uint8Array(32).fill(7)) }
        : undefined,
    )
    await expect(holder.vaultLog.sync()).rejects.toMatchObject({ code: 'LOG_FORKED' })
    expect((await store.load())?.alarm?.code).toBe('LOG_FORKED')
  })

  it('[LOG-CLIENT-03] case 35: a key_served entry deleted from the database (later rows renumbered) is an alarm', async () => {
    const { holder, store } = await holderWithRecords()
    const gp = host.service(host.orgs.gp)
    const { request, authReqId } = await ask(holder, gp, ['medication_list'], 'Riverside 3501')
    await holder.approve(request, host.trust)
    await gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    await gp.records()
    const { trusted, entries } = await holder.vaultLog.sync()
    const served = entries.filter((e) => e.entry.type === 'key_served').map((e) => e.index)
    expect(served.length).toBe(2)
    // The operator deletes the first key_served row, renumbers the rest, and drops the stored nodes.
    const victim = served[0] as number
    await host.db.deleteFrom('access_log').where('vault_id', '=', holder.vaultId).where('seq', '=', victim).execute()
    for (let seq = victim + 1; seq < trusted.size; seq++)
      await host.db
        .updateTable('access_log')
        .set({ seq: seq - 1 })
        .where('vault_id', '=', holder.vaultId)
        .where('seq', '=', seq)
        .execute()
    await host.db.deleteFrom('log_nodes').where('vault_id', '=', holder.vaultId).execute()
    // Two more events, so the log is longer than the one the holder verified.
    await holder.putRecord('medication_list', medicationList(), 'After')
    await holder.putRecord('medication_list', medicationList(), 'After again')
    const error = await holder.vaultLog.sync().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HoldallLogError)
    expect(['LOG_ENTRIES_MISMATCH', 'LOG_FORKED']).toContain((error as HoldallLogError).code)
    expect((await store.load())?.alarm?.evidence.trusted).toBe(trusted.checkpoint)
  })

  it('[LOG-CLIENT-03] case 35: a consistency proof with an extra or a missing hash is an alarm', async () => {
    for (const change of ['extra', 'missing'] as const) {
      const { holder, wire, store } = await holderWithRecords()
      await holder.vaultLog.sync()
      // A device that began from a checkpoint (no compact range) moves by consistency proofs.
      const record = await store.load()
      const { range: _range, ...state } = record?.state ?? { origin: '', size: 0, rootHash: '' }
      await store.save({ state })
      await holder.putRecord('medication_list', medicationList(), 'Next')
      wire.set((path, body) => {
        if (!path.includes('/log/consistency')) return undefined
        const proof = body.proof as string[]
        return { ...body, proof: change === 'extra' ? [...proof, b64url(new Uint8Array(32))] : proof.slice(0, -1) }
      })
      const error = await holder.vaultLog.sync().catch((e: unknown) => e)
      expect(error, change).toBeInstanceOf(HoldallLogError)
      expect((await store.load())?.alarm, change).toBeDefined()
    }
  })

  it('[LOG-NOTE-03] case 38: a checkpoint with a non-canonical signature (S + L) is refused by the holder and by the host', async () => {
    const { holder, wire } = await holderWithRecords()
    await holder.vaultLog.sync()
    await holder.putRecord('medication_list', medicationList(), 'Next')
    const honest = await holder.vaultLog.checkpoint()
    const malleated = malleate(honest)
    wire.set((path, body) => (path.endsWith('/log/checkpoint') ? { ...body, checkpoint: malleated } : undefined))
    await expect(holder.vaultLog.sync()).rejects.toMatchObject({ code: 'LOG_NOTE_UNVERIFIED' })
    wire.set(undefined)
    // The host refuses it when presented, as a 400 problem.
    await expect(holder.vaultLog.checkpoint(malleated)).rejects.toMatchObject({ status: 400, code: 'invalid_request' })
  })

  it('[LOG-NOTE-02] case 39: a signature by an unknown key beside a valid one is ignored; alone it is refused', async () => {
    const { holder, wire } = await holderWithRecords()
    await holder.vaultLog.sync()
    await holder.putRecord('medication_list', medicationList(), 'Next')
    const stranger: NoteSigner = { name: 'stranger/log', secretKey: new Uint8Array(randomBytes(32)) }
    const honest = await holder.vaultLog.checkpoint()
    const text = parseNote(honest).text
    const both = signNote(text, [stranger, signer])
    wire.set((path, body) => (path.endsWith('/log/checkpoint') ? { ...body, checkpoint: both } : undefined))
    expect((await holder.vaultLog.sync()).trusted.size).toBe(4)
    await holder.putRecord('medication_list', medicationList(), 'Again')
    const next = parseNote(await holder.vaultLog.checkpoint()).text
    wire.set((path, body) =>
      path.endsWith('/log/checkpoint') ? { ...body, checkpoint: signNote(next, [stranger]) } : undefined,
    )
    await expect(holder.vaultLog.sync()).rejects.toMatchObject({ code: 'LOG_NOTE_UNVERIFIED' })
  })

  describe('case 36: a service never unwraps a key the signed log does not show it was served', () => {
    async function grantee(binding: string): Promise<{ gp: ServiceClient; wire: ReturnType<typeof operatorFetch> }> {
      const holder = await HolderClient.createVault(host.url)
      await holder.putRecord('medication_list', medicationList(), 'Medicines')
      const wire = operatorFetch()
      const gp = host.service(host.orgs.gp, wire.fetch)
      const { request, authReqId } = await ask(holder, gp, ['medication_list'], binding)
      await holder.approve(request, host.trust)
      await gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
      return { gp, wire }
    }

    it('[LOG-HOST-06][LOG-SVC-02] an honest host: the proof verifies and the record opens; the next read presents the checkpoint', async () => {
      const { gp, wire } = await grantee('Riverside 3600')
      const asked: string[] = []
      wire.set((path) => {
        asked.push(path)
        return undefined
      })
      const [view] = await gp.records()
      const opened = await gp.readRecord(view as NonNullable<typeof view>, host.trusted)
      expect(opened.payload).toBeDefined()
      const [again] = await gp.records()
      await gp.readRecord(again as NonNullable<typeof again>, host.trusted)
      // Each proof came in its read's own answer (spec 8.7.1): no request of its own.
      expect(asked.filter((p) => p.startsWith('/grant/log/key-served'))).toEqual([])
    })

    /** One key_served proof as either wire carries it: flat on /grant/log/key-served, per entry in a read's log_proof. */
    type Flat = { checkpoint: string; entry: string; proof: string[]; index: number }
    type Mutate = (flat: Flat) => Flat | undefined

    /** The operator's rewrite of the proof a read carries inline (spec 8.7.1). */
    const inline =
      (mutate: Mutate): Rewrite =>
      (path, body) => {
        if (!path.startsWith('/grant/records')) return undefined
        const proof = body.log_proof as { checkpoint: string; entries: Omit<Flat, 'checkpoint'>[] } | undefined
        if (proof === undefined) return undefined
        const [first] = proof.entries
        const changed = mutate({ checkpoint: proof.checkpoint, ...(first as Omit<Flat, 'checkpoint'>) })
        if (changed === undefined) return { records: body.records }
        const { checkpoint, ...entry } = changed
        return { ...body, log_proof: { ...proof, checkpoint, entries: [entry] } }
      }
    /** The same rewrite of a host that sends no proof with the read, so the SDK asks `/grant/log/key-served`. */
    const separate =
      (mutate: Mutate): Rewrite =>
      (path, body) => {
        if (path.startsWith('/grant/records')) return { records: body.records }
        if (!path.startsWith('/grant/log/key-served')) return undefined
        return mutate(body as unknown as Flat) ?? { nothing: true }
      }

    const lies: Array<[string, Mutate]> = [
      ['no proof', () => undefined],
      ['a changed hash', (f) => ({ ...f, proof: f.proof.map((h, i) => (i === 0 ? b64url(new Uint8Array(32)) : h)) })],
      ['a shortened proof', (f) => ({ ...f, proof: f.proof.slice(1) })],
      ['a longer proof', (f) => ({ ...f, proof: [...f.proof, b64url(new Uint8Array(32))] })],
      ['another index', (f) => ({ ...f, index: f.index + 1 })],
      [
        'another record',
        (f) => {
          const entry = decodeLogEntry(fromB64url(f.entry))
          return entry.type === 'key_served' ? { ...f, entry: b64url(encodeOther(entry)) } : f
        },
      ],
      [
        'a checkpoint signed by another key',
        (f) => {
          const stranger: NoteSigner = { name: 'operator-test/log', secretKey: new Uint8Array(randomBytes(32)) }
          return { ...f, checkpoint: signNote(parseNote(f.checkpoint).text, [stranger]) }
        },
      ],
    ]

    it('[LOG-SVC-02][LOG-SVC-03] a missing, altered or borrowed proof, inline or asked for apart: no unwrap', async () => {
      const { gp, wire } = await grantee('Riverside 3601')
      for (const [how, rewrite] of [
        ['inline', inline],
        ['separate', separate],
      ] as const) {
        for (const [name, mutate] of lies) {
          // 'no proof' inline alone is a host that offers none: the SDK asks apart, honestly answered.
          wire.set(how === 'inline' && name === 'no proof' ? (p, b) => separate(mutate)(p, b) : rewrite(mutate))
          const [view] = await gp.records()
          const error = await gp.readRecord(view as NonNullable<typeof view>, host.trusted).catch((e: unknown) => e)
          expect(error, `${how}: ${name}`).toBeInstanceOf(HoldallError)
          expect(error, `${how}: ${name}`).toMatchObject({ code: 'KEY_SERVED_UNPROVEN' })
        }
      }
      wire.set(undefined)
      const [view] = await gp.records()
      await gp.readRecord(view as NonNullable<typeof view>, host.trusted)
    })

    it('[LOG-SVC-03] a host that offers no inline proof: the SDK asks apart and the record opens', async () => {
      const { gp, wire } = await grantee('Riverside 3604')
      wire.set((path, body) => (path.startsWith('/grant/records') ? { records: body.records } : undefined))
      const [view] = await gp.records()
      await gp.readRecord(view as NonNullable<typeof view>, host.trusted)
    })

    it('[LOG-SVC-03][LOG-CLIENT-01] an inline proof into a forked tree, signed with the host key, is an alarm: no unwrap, then or later', async () => {
      const { gp, wire } = await grantee('Riverside 3605')
      const [first] = await gp.records()
      await gp.readRecord(first as NonNullable<typeof first>, host.trusted)
      // The operator appends the read's leaf to a history of its own and signs that tree.
      wire.set((path, body) => {
        if (!path.startsWith('/grant/records')) return undefined
        const proof = body.log_proof as { checkpoint: string; entries: Omit<Flat, 'checkpoint'>[] }
        const [served] = proof.entries as [Omit<Flat, 'checkpoint'>]
        const fork = new MerkleTree()
        for (let i = 0; i < served.index; i++) fork.append(new Uint8Array(randomBytes(40)))
        fork.append(fromB64url(served.entry))
        const { origin } = parseCheckpoint(parseNote(proof.checkpoint).text)
        const checkpoint = signCheckpoint({ origin, size: fork.size, rootHash: fork.root() }, [signer])
        return {
          ...body,
          log_proof: {
            checkpoint,
            entries: [{ ...served, proof: fork.inclusionProof(served.index).map(b64url) }],
            consistency: [b64url(new Uint8Array(32))],
          },
        }
      })
      const [view] = await gp.records()
      await expect(gp.readRecord(view as NonNullable<typeof view>, host.trusted)).rejects.toMatchObject({
        code: 'KEY_SERVED_UNPROVEN',
      })
      const grant = await gp.grant()
      expect((await gp.log.store(grant.vault_id).load())?.alarm).toBeDefined()
      wire.set(undefined)
      const [later] = await gp.records()
      await expect(gp.readRecord(later as NonNullable<typeof later>, host.trusted)).rejects.toMatchObject({
        code: 'KEY_SERVED_UNPROVEN',
      })
    })

    it('[LOG-SVC-02] the key_served row deleted from the database, and no proof with the read: no unwrap', async () => {
      const { gp, wire } = await grantee('Riverside 3602')
      wire.set((path, body) => (path.startsWith('/grant/records') ? { records: body.records } : undefined))
      const [view] = await gp.records()
      const record = view as NonNullable<typeof view>
      const grant = await gp.grant()
      await host.db
        .updateTable('access_log')
        .set({ entry: null })
        .where('vault_id', '=', grant.vault_id)
        .where('event', '=', 'key_served')
        .execute()
      await expect(gp.readRecord(record, host.trusted)).rejects.toMatchObject({ code: 'KEY_SERVED_UNPROVEN' })
    })

    it('[LOG-GOSSIP-01] a service presenting a checkpoint the host signed for another history is refused (log_inconsistent)', async () => {
      const { gp, wire } = await grantee('Riverside 3603')
      const [view] = await gp.records()
      await gp.readRecord(view as NonNullable<typeof view>, host.trusted)
      // The operator showed this service a forked checkpoint; its next read presents it.
      const grant = await gp.grant()
      const store = gp.log.store(grant.vault_id)
      const record = await store.load()
      const note = record?.state?.checkpoint as string
      const { origin, size } = parseCheckpoint(parseNote(note).text)
      const forked = signCheckpoint({ origin, size, rootHash: new Uint8Array(32).fill(9) }, [signer])
      await store.save({
        state: {
          ...(record?.state as NonNullable<typeof record>['state'] & object),
          rootHash: base64Encode(new Uint8Array(32).fill(9)),
          checkpoint: forked,
        },
      })
      wire.set(undefined)
      await expect(gp.records()).rejects.toMatchObject({ status: 409, code: 'log_inconsistent' })
    })
  })

  it('[LOG-HOST-02][LOG-HOST-04] the host refuses malformed ranges and sizes as 400 problems, and its proofs verify', async () => {
    const { holder } = await holderWithRecords()
    const note = await holder.vaultLog.checkpoint()
    const { size, rootHash } = parseCheckpoint(parseNote(note).text)
    const t = await tree(holder, size)
    expect(Buffer.from(t.root()).equals(Buffer.from(rootHash))).toBe(true)
    for (const bad of [
      'start=2&end=1',
      'start=0&end=99',
      'start=01&end=2',
      'start=-1&end=2',
      'start=0',
      'start=a&end=b',
    ])
      await expect(rawGet(holder, `/log/entries?${bad}`), bad).rejects.toMatchObject({ status: 400 })
    for (const bad of ['index=3&size=3', 'index=0&size=99', 'index=0&size=0'])
      await expect(rawGet(holder, `/log/inclusion?${bad}`)).rejects.toMatchObject({ status: 400 })
    for (const bad of ['from=3&to=2', 'from=0&to=99'])
      await expect(rawGet(holder, `/log/consistency?${bad}`)).rejects.toMatchObject({ status: 400 })
    const inclusion = (await rawGet(holder, `/log/inclusion?index=1&size=${size}`)) as { proof: string[] }
    verifyInclusion(
      leafHash((await holder.vaultLog.entries(1, 2))[0] as Uint8Array),
      1,
      size,
      inclusion.proof.map(fromB64url),
      rootHash,
    )
    const consistency = (await rawGet(holder, `/log/consistency?from=1&to=${size}`)) as { proof: string[] }
    verifyConsistency(1, size, t.root(1), rootHash, consistency.proof.map(fromB64url))
  })
})

/** GETs a holder path under the vault through the holder's own authenticated connection. */
function rawGet(holder: HolderClient, path: string): Promise<unknown> {
  return holder.vaultLog.get(path)
}

/** The same note with each signature's S replaced by S + L: the same point equation, a non-canonical encoding. */
function malleate(note: string): string {
  return note.replace(/^(\u2014 \S+ )(\S+)$/gmu, (_line, prefix: string, sig: string) => {
    const bytes = base64Decode(sig) as Uint8Array
    const s = bytes.slice(4 + 32, 4 + 64)
    let value = 0n
    for (let i = 31; i >= 0; i--) value = (value << 8n) | BigInt(s[i] as number)
    value += ED25519_L
    for (let i = 0; i < 32; i++) {
      s[i] = Number(value & 0xffn)
      value >>= 8n
    }
    bytes.set(s, 4 + 32)
    return `${prefix}${base64Encode(bytes)}`
  })
}

function encodeOther(entry: { grantId: Uint8Array; recordId: Uint8Array; version: number; at: number }): Uint8Array {
  const other = new Uint8Array(entry.recordId)
  other[0] = (other[0] as number) ^ 1
  return encodeKeyServed({ ...entry, recordId: other })
}

function encodeKeyServed(e: { grantId: Uint8Array; recordId: Uint8Array; version: number; at: number }): Uint8Array {
  return encodeLogEntry({ type: 'key_served', ...e })
}
