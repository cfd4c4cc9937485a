/**
 * Large files through the server: a real envelope of --mib MiB (default 200) is uploaded and
 * downloaded as a holder would, streamed from and to disk, on SQLite (envelopes on the
 * filesystem) and on PostgreSQL (envelopes in the database, in 256 KiB chunks). Throughput is
 * compared with a plain streamed copy of the same file on the same disk, in the same run; the
 * server's resident memory is sampled every 20 ms. Writes bench/results/large-file-<stamp>.json.
 *
 *   tsx bench/large-file.ts [--mib 200] [--only sqlite,postgres]
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import {
  base64urlEncode,
  createEnvelopeEncryptStream,
  generateDataKey,
  generateId,
  keyThumbprint,
  NO_PREVIOUS_MANIFEST,
  signManifest,
} from '@holdall/crypto'
import { benchWorld, type DatabaseChoice } from './lib/holdall.js'
import { holderSession } from './lib/holder-session.js'
import { freePort } from './lib/ports.js'
import type { Measured } from './lib/processes.js'
import { machine, writeResults } from './lib/report.js'

const { values } = parseArgs({
  options: { mib: { type: 'string', default: '200' }, only: { type: 'string', default: 'sqlite,postgres' } },
})
const MIB = 1024 * 1024
const size = Number(values.mib) * MIB
const work = mkdtempSync(join(tmpdir(), 'holdall-large-'))

/** Samples a process's RSS until stopped; returns the peak. */
function sampleRss(server: Measured) {
  let peak = server.rssBytes()
  const timer = setInterval(() => {
    peak = Math.max(peak, server.rssBytes())
  }, 20)
  return () => {
    clearInterval(timer)
    return Math.max(peak, server.rssBytes())
  }
}

const seconds = async (task: () => Promise<unknown>) => {
  const start = performance.now()
  await task()
  return (performance.now() - start) / 1000
}

async function makeEnvelope(
  vaultId: Uint8Array,
  recordId: Uint8Array,
  authorSecret: Uint8Array,
  authorPublic: Uint8Array,
) {
  const file = join(work, 'envelope')
  const encrypt = createEnvelopeEncryptStream({
    dek: generateDataKey(),
    context: { vaultId, recordId, version: 1, keyEpoch: 0 },
    metadata: new Uint8Array(0),
  })
  let sent = 0
  const plaintext = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= size) return controller.close()
      controller.enqueue(crypto.getRandomValues(new Uint8Array(65_536)))
      sent += 65_536
    },
  })
  await pipeline(Readable.fromWeb(plaintext.pipeThrough(encrypt) as never), createWriteStream(file))
  const summary = await encrypt.summary
  const manifest = signManifest(
    {
      recordTypeCode: 1,
      vaultId,
      recordId,
      version: 1,
      keyEpoch: 0,
      commitment: summary.commitment,
      ciphertextSha256: summary.ciphertextSha256,
      ciphertextLength: summary.ciphertextLength,
      previousManifestSha256: NO_PREVIOUS_MANIFEST,
      authorKeyId: keyThumbprint(authorPublic, 'Ed25519'),
      createdAt: Date.now(),
    },
    authorSecret,
  )
  return { file, sha256: base64urlEncode(summary.ciphertextSha256), length: summary.ciphertextLength, manifest }
}

function send(url: string, method: string, headers: Record<string, string | number>, body?: Readable, sink?: Writable) {
  return new Promise<number>((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const out = sink ?? new Writable({ write: (_c, _e, done) => done() })
      pipeline(res, out).then(() => resolve(res.statusCode ?? 0), reject)
    })
    req.on('error', reject)
    if (body === undefined) req.end()
    else pipeline(body, req).catch(reject)
  })
}

async function runCase(database: DatabaseChoice) {
  const world = await benchWorld(database)
  try {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const server = await world.startHost({
      port,
      publicUrl: url,
      env: { HOLDALL_MAX_RECORD_BYTES: String(size + MIB), HOLDALL_VAULT_QUOTA_BYTES: String(4 * size) },
    })
    const session = await holderSession(url)
    const vaultId = session.holder.vaultId
    const recordId = generateId()
    const keys = session.holder.deviceKeys.signing
    const envelope = await makeEnvelope(Buffer.from(vaultId, 'base64url'), recordId, keys.secretKey, keys.publicKey)
    const blobPath = `/vaults/${vaultId}/blobs/${envelope.sha256}`

    // Baseline: a plain streamed copy of the same file on the same disk.
    const copySeconds = await seconds(() =>
      pipeline(createReadStream(envelope.file), createWriteStream(join(work, 'copy'))),
    )
    rmSync(join(work, 'copy'))

    const rssBefore = server.rssBytes()
    let stop = sampleRss(server)
    const uploadSeconds = await seconds(async () => {
      const status = await send(
        `${url}${blobPath}`,
        'PUT',
        {
          ...(await session.headers('PUT', blobPath)),
          'content-type': 'application/octet-stream',
          'content-length': envelope.length,
        },
        createReadStream(envelope.file),
      )
      if (status !== 201 && status !== 200 && status !== 204) throw new Error(`upload answered ${status}`)
    })
    const uploadPeak = stop()

    const versionPath = `/vaults/${vaultId}/records/${base64urlEncode(recordId)}/versions/1`
    const version = await fetch(`${url}${versionPath}`, {
      method: 'PUT',
      headers: { ...(await session.headers('PUT', versionPath)), 'content-type': 'application/json' },
      body: JSON.stringify({
        record_type: 'medication_list',
        key_epoch: 0,
        ciphertext_sha256: envelope.sha256,
        ciphertext_length: envelope.length,
        manifest: base64urlEncode(envelope.manifest.bytes),
        owner_wrap: base64urlEncode(new Uint8Array(72)),
      }),
    })
    if (version.status !== 201) throw new Error(`record version answered ${version.status}: ${await version.text()}`)

    const rssBeforeDownload = server.rssBytes()
    stop = sampleRss(server)
    const downloaded = join(work, 'downloaded')
    const downloadSeconds = await seconds(async () => {
      const status = await send(
        `${url}${blobPath}`,
        'GET',
        await session.headers('GET', blobPath),
        undefined,
        createWriteStream(downloaded),
      )
      if (status !== 200) throw new Error(`download answered ${status}`)
    })
    const downloadPeak = stop()
    if (statSync(downloaded).size !== envelope.length) throw new Error('the download is not the whole envelope')
    rmSync(downloaded)
    rmSync(envelope.file)

    const mib = envelope.length / MIB
    return {
      database,
      blobStore: database === 'postgres' ? 'database (256 KiB chunks)' : 'filesystem',
      mib,
      copyMiBps: mib / copySeconds,
      uploadMiBps: mib / uploadSeconds,
      downloadMiBps: mib / downloadSeconds,
      uploadVsCopy: copySeconds / uploadSeconds,
      downloadVsCopy: copySeconds / downloadSeconds,
      uploadRssGrowthMiB: (uploadPeak - rssBefore) / MIB,
      downloadRssGrowthMiB: (downloadPeak - rssBeforeDownload) / MIB,
    }
  } finally {
    await world.close()
  }
}

const rows = []
for (const database of values.only.split(',') as DatabaseChoice[]) rows.push(await runCase(database))
rmSync(work, { recursive: true, force: true })
console.log(
  `\nLarge file: a ${values.mib} MiB envelope through the server, versus a streamed file copy on the same disk`,
)
console.table(
  rows.map((r) => ({
    database: r.database,
    'envelopes in': r.blobStore,
    'copy MiB/s': r.copyMiBps.toFixed(0),
    'upload MiB/s': r.uploadMiBps.toFixed(0),
    'upload/copy': r.uploadVsCopy.toFixed(2),
    'download MiB/s': r.downloadMiBps.toFixed(0),
    'download/copy': r.downloadVsCopy.toFixed(2),
    'RSS growth up (MiB)': r.uploadRssGrowthMiB.toFixed(1),
    'RSS growth down (MiB)': r.downloadRssGrowthMiB.toFixed(1),
  })),
)
console.log('goal: server RSS growth < 64 MiB')
writeResults('large-file', { machine: machine(), rows })
