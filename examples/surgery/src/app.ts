import { readFileSync } from 'node:fs'
import {
  clientMetadataDocument,
  type GrantInfo,
  HoldallApiError,
  HoldallError,
  HoldallOAuthError,
  type HolderPinStore,
  type HolderRootHint,
  MemoryHolderPinStore,
  readPairingInput,
  ServiceClient,
  type ServiceIdentity,
} from '@holdall/client'
import { normaliseSafetyCode, randomBytes } from '@holdall/crypto'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { SurgeryConfig } from './config.js'
import { ExportRefused, medicationBundle } from './fhir.js'
import { html, page } from './html.js'
import { type Session, SessionStore } from './sessions.js'
import { currentTrustList, isValidNhsNumber, readMedicationLists } from './verify.js'
import { approvedView, askView, canExport, outcomeView, waitingView } from './views.js'

export interface SurgeryAppOptions {
  readonly config: SurgeryConfig
  readonly identity: ServiceIdentity
  /** The trust list operator's Ed25519 public key; without it nothing can be verified. */
  readonly trustAnchor: Uint8Array | undefined
  readonly clock?: () => number
  /** How often to ask the host for the holder's decision; the host's own interval by default. */
  readonly pollIntervalMs?: number
  /** How often an open result page checks the grant is still live. */
  readonly grantCheckMs?: number
  /** How long one long-poll from the page waits before answering "no change". */
  readonly longPollMs?: number
  /**
   * Where the surgery pins each patient's device list root (spec 5.8). In memory by default: a
   * surgery that keeps it in its own database asks returning patients for no safety code.
   */
  readonly pins?: HolderPinStore
}

const COOKIE = 'surgery_session'
const assets = new URL('../public/', import.meta.url)

const askSchema = z.object({
  pairing_code: z.string().max(80).default(''),
  safety_code: z.string().max(64).default(''),
  nhs_number: z.string().max(64).default(''),
})

/**
 * The surgery's web app: reception asks, the GP reads and exports. Everything about a patient lives
 * in a Session in memory; pages are rendered here, with a little script to wait for decisions.
 */
export async function buildSurgeryApp(
  options: SurgeryAppOptions,
): Promise<{ app: FastifyInstance; sessions: SessionStore }> {
  const { config, identity } = options
  const clock = options.clock ?? Date.now
  const sessions = new SessionStore(config.sessionMinutes * 60_000, clock)
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 })
  const css = readFileSync(new URL('surgery.css', assets), 'utf8')
  const js = readFileSync(new URL('wait.js', assets), 'utf8')
  const secureCookie = config.publicUrl.startsWith('https:')
  const pins = options.pins ?? new MemoryHolderPinStore()

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })

  app.addHook('onSend', async (_request, reply) => {
    // Patient data must not outlive the session in any cache, history snapshot or referrer.
    reply.header('cache-control', 'no-store')
    reply.header(
      'content-security-policy',
      "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on our own forms.
    reply.header('referrer-policy', 'same-origin')
    reply.header('x-content-type-options', 'nosniff')
  })

  app.setErrorHandler((error, _request, reply) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500
    const safeStatus = status >= 400 && status < 500 ? status : 500
    void reply
      .code(safeStatus)
      .type('text/html; charset=utf-8')
      .send(
        page({
          title: 'Something went wrong',
          surgeryName: config.name,
          body: html`<h1>Something went wrong</h1><p>${safeStatus < 500 ? 'That request was not understood.' : 'Please try again.'}</p><p><a href="/">Start again</a></p>`,
        }),
      )
  })
  app.setNotFoundHandler((_request, reply) => {
    void reply
      .code(404)
      .type('text/html; charset=utf-8')
      .send(
        page({
          title: 'Page not found',
          surgeryName: config.name,
          body: html`<h1>Page not found</h1><p><a href="/">Go to the start</a></p>`,
        }),
      )
  })

  const sessionOf = (request: FastifyRequest): Session | undefined => sessions.get(readCookie(request, COOKIE))
  const sendPage = (reply: FastifyReply, title: string, body: ReturnType<typeof html>, status = 200, script = false) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(page({ title, body, surgeryName: config.name, script }))
  const sameOrigin = (request: FastifyRequest) => {
    const origin = request.headers.origin
    return origin === undefined || origin === new URL(config.publicUrl).origin
  }

  app.get('/client-metadata.json', async (_request, reply) =>
    reply.type('application/json').send(clientMetadataDocument(identity)),
  )
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send())
  app.get('/assets/surgery.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(css))
  app.get('/assets/wait.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(js))

  app.get('/', async (request, reply) => {
    if (sessionOf(request) !== undefined) return reply.redirect('/session', 303)
    return sendPage(reply, 'Check a patient’s medicines', askView({}))
  })

  app.post('/ask', async (request, reply) => {
    if (!sameOrigin(request)) return sendPage(reply, 'Not allowed', html`<h1>Not allowed</h1>`, 403)
    const parsed = askSchema.safeParse(request.body ?? {})
    const input = parsed.success ? parsed.data : { pairing_code: '', safety_code: '', nhs_number: '' }
    // A QR scanner types the whole QR text into the code field: it carries the code and the root
    // fingerprint of the patient's device list. A code typed by hand needs the safety code too.
    const read = readPairingInput(input.pairing_code)
    const scanned = read.root
    const code = scanned === undefined ? normalisePairingCode(input.pairing_code) : read.code
    const safetyCode = normaliseSafetyCode(input.safety_code)
    const holderRoot: HolderRootHint | undefined = scanned ?? (safetyCode === undefined ? undefined : { safetyCode })
    const nhs = input.nhs_number.replace(/[\s-]/g, '')
    const fieldErrors: Record<string, string> = {}
    if (!/^[0-9A-HJ-NP-Z]{8}$/.test(code))
      fieldErrors.pairing_code = 'Enter the 8 letters and numbers shown on the patient’s phone'
    if (holderRoot === undefined)
      fieldErrors.safety_code = 'Enter the 16 letters and numbers of the safety code on the patient’s phone'
    if (nhs !== '' && !isValidNhsNumber(nhs))
      fieldErrors.nhs_number = 'Enter a valid 10-digit NHS number, or leave it empty'
    if (Object.keys(fieldErrors).length > 0 || holderRoot === undefined) {
      const body = askView({
        fieldErrors,
        pairingCode: input.pairing_code,
        safetyCode: input.safety_code,
        nhsNumber: input.nhs_number,
      })
      return sendPage(reply, 'Error: check a patient’s medicines', body, 400)
    }
    const previous = sessionOf(request)
    if (previous !== undefined) sessions.end(previous)

    const service = new ServiceClient(config.hostUrl, identity, fetch, { pins })
    const bindingMessage = `${bindingWord(config.name)} ${((randomBytes(2)[0] as number) % 90) + 10}${((randomBytes(2)[0] as number) % 90) + 10}`
    let ask: { authReqId: string; interval: number }
    try {
      ask = await service.requestAccess({
        pairingCode: code,
        holderRoot,
        bindingMessage,
        details: [
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['medication_list'],
            purpose: 'Continue your repeat prescription',
            duration_days: 1,
          },
        ],
      })
    } catch (error) {
      const body = askView({
        error: kindRequestError(error),
        pairingCode: input.pairing_code,
        safetyCode: input.safety_code,
        nhsNumber: input.nhs_number,
      })
      return sendPage(reply, 'Error: check a patient’s medicines', body, 400)
    }
    const session = sessions.create({ bindingMessage, expectedNhsNumber: nhs === '' ? undefined : nhs, service })
    void awaitDecision(session, ask)
    reply.header(
      'set-cookie',
      `${COOKIE}=${session.id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${config.sessionMinutes * 60}${secureCookie ? '; Secure' : ''}`,
    )
    return reply.redirect('/session', 303)
  })

  app.get('/session', async (request, reply) => {
    const session = sessionOf(request)
    if (session === undefined) return reply.redirect('/', 303)
    const state = session.state
    switch (state.kind) {
      case 'waiting':
        return sendPage(
          reply,
          'Waiting for the patient',
          waitingView(session.bindingMessage, session.revision),
          200,
          true,
        )
      case 'approved':
        return sendPage(
          reply,
          'The patient’s medicines',
          approvedView({
            grantExpiresAt: state.grant.expires_at,
            lists: state.lists,
            expectedNhsNumber: session.expectedNhsNumber,
            now: clock(),
            revision: session.revision,
          }),
          200,
          true,
        )
      default:
        return sendPage(reply, outcomeTitle(state.kind), outcomeView(state))
    }
  })

  app.get('/session/status', async (request, reply) => {
    const session = sessionOf(request)
    if (session === undefined) return reply.send({ state: 'gone' })
    const seen = z.coerce
      .number()
      .int()
      .min(0)
      .safeParse((request.query as { seen?: unknown }).seen)
    if (seen.success) await sessions.waitForChange(session, seen.data, options.longPollMs ?? 20_000)
    return reply.send({ state: session.state.kind, revision: session.revision })
  })

  app.get('/session/export', async (request, reply) => {
    const session = sessionOf(request)
    const state = session?.state
    if (session === undefined || state?.kind !== 'approved') return reply.redirect('/session', 303)
    const read = state.lists.find((r) => canExport(r, session.expectedNhsNumber))
    if (read === undefined || read.list === undefined || read.verification.kind !== 'verified')
      return reply.redirect('/session', 303)
    let bundle: ReturnType<typeof medicationBundle>
    try {
      bundle = medicationBundle({
        list: read.list,
        issuer: read.verification.organisation,
        surgery: { name: config.name, odsCode: config.odsCode },
        signedAt: read.verification.signedAt,
        verifiedAt: state.verifiedAt,
        grantId: state.grant.grant_id,
        recordId: read.recordId,
        version: read.version,
        exportedAt: new Date(clock()),
      })
    } catch (error) {
      if (!(error instanceof ExportRefused)) throw error
      // Never a half-valid bundle. The problem names paths and kinds only: the reasons, with the
      // medicine and its code, are on the GP's page, not in a response that may end up in a log.
      return reply
        .code(422)
        .type('application/problem+json')
        .send({
          type: 'urn:holdall:surgery:export-refused',
          title: 'The list cannot be exported as valid FHIR',
          status: 422,
          code: 'export_refused',
          detail: 'Nothing was exported. The list page says what to correct with prison healthcare.',
          problems: error.problems.map((p) => ({ path: p.path, kind: p.kind })),
        })
    }
    return reply
      .type('application/fhir+json')
      .header('content-disposition', 'attachment; filename="medicines-from-prison.fhir.json"')
      .send(JSON.stringify(bundle, null, 2))
  })

  app.get('/session/print', async (request, reply) => {
    const session = sessionOf(request)
    const state = session?.state
    if (session === undefined || state?.kind !== 'approved') return reply.redirect('/session', 303)
    return reply.type('text/html; charset=utf-8').send(
      page({
        title: 'Print: medicines from prison',
        surgeryName: config.name,
        print: true,
        body: approvedView({
          grantExpiresAt: state.grant.expires_at,
          lists: state.lists,
          expectedNhsNumber: session.expectedNhsNumber,
          now: clock(),
          revision: session.revision,
          forPrint: true,
        }),
      }),
    )
  })

  app.post('/session/end', async (request, reply) => {
    if (!sameOrigin(request)) return sendPage(reply, 'Not allowed', html`<h1>Not allowed</h1>`, 403)
    const session = sessionOf(request)
    if (session !== undefined) sessions.end(session)
    reply.header(
      'set-cookie',
      `${COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secureCookie ? '; Secure' : ''}`,
    )
    return reply.redirect('/', 303)
  })

  app.addHook('onClose', async () => sessions.close())

  /** Waits for the holder in the background, then reads and verifies, then watches the grant. */
  async function awaitDecision(session: Session, ask: { authReqId: string; interval: number }): Promise<void> {
    let grant: GrantInfo
    try {
      grant = await session.service.waitForDecision(ask.authReqId, {
        intervalMs: options.pollIntervalMs ?? ask.interval * 1000,
        timeoutMs: 10 * 60_000,
      })
    } catch (error) {
      if (sessions.get(session.id) === undefined) return
      const code = error instanceof HoldallOAuthError ? error.error : undefined
      sessions.setState(
        session,
        code === 'access_denied'
          ? { kind: 'refused' }
          : code === 'expired_token' || code === 'authorization_pending'
            ? { kind: 'timed_out' }
            : { kind: 'failed', reason: failedReason(error) },
      )
      return
    }
    if (sessions.get(session.id) === undefined) return
    try {
      const trustList = await currentTrustList(config.hostUrl, options.trustAnchor, clock())
      const lists = await readMedicationLists(session.service, grant, trustList)
      sessions.setState(session, { kind: 'approved', grant, lists, verifiedAt: new Date(clock()) })
    } catch (error) {
      // Refused at once: the grant already ended. Anything else is a failure to read, said as such.
      const status = (error as { status?: unknown }).status
      sessions.setState(
        session,
        status === 401 || status === 403
          ? { kind: 'ended', reason: clock() >= grant.expires_at ? 'expired' : 'revoked' }
          : { kind: 'failed', reason: 'The patient agreed, but we could not read their list from Holdall. Try again.' },
      )
      return
    }
    watchGrant(session, grant)
  }

  /** Stops reading the moment the grant is over: the read lists are dropped with the state. */
  function watchGrant(session: Session, grant: GrantInfo): void {
    let checking = false
    const check = async () => {
      if (checking) return
      checking = true
      try {
        const reason = await grantEnded(session.service, grant, clock)
        if (reason !== undefined) {
          session.stopWatching?.()
          session.stopWatching = undefined
          sessions.setState(session, { kind: 'ended', reason })
        }
      } finally {
        checking = false
      }
    }
    const timer = setInterval(() => void check(), options.grantCheckMs ?? 15_000)
    timer.unref()
    session.stopWatching = () => clearInterval(timer)
  }

  return { app, sessions }
}

/** Undefined while the grant is live; otherwise why it ended. A host we cannot reach ends nothing. */
async function grantEnded(
  service: ServiceClient,
  grant: GrantInfo,
  clock: () => number,
): Promise<'expired' | 'revoked' | undefined> {
  if (clock() >= grant.expires_at) return 'expired'
  const refused = (error: unknown) =>
    (error instanceof HoldallApiError && (error.status === 401 || error.status === 403)) ||
    error instanceof HoldallOAuthError
  try {
    await service.grant()
    return undefined
  } catch (error) {
    if (!refused(error)) return undefined
  }
  // The access token may simply have aged out: one refresh tells that apart from a revocation.
  try {
    await service.refresh()
    await service.grant()
    return undefined
  } catch (error) {
    if (!refused(error)) return undefined
    return clock() >= grant.expires_at ? 'expired' : 'revoked'
  }
}

function outcomeTitle(kind: string): string {
  switch (kind) {
    case 'refused':
      return 'The patient chose not to share'
    case 'timed_out':
      return 'The request ran out of time'
    case 'ended':
      return 'Sharing has ended'
    default:
      return 'We could not send the request'
  }
}

/** Codes are read aloud and typed: forgive spaces, hyphens, lower case, and O/I for 0/1. */
export function normalisePairingCode(raw: string): string {
  return raw.toUpperCase().replace(/[\s-]/g, '').replaceAll('O', '0').replaceAll('I', '1')
}

/** Why a request that the patient answered still failed, in words reception can act on. */
function failedReason(error: unknown): string {
  if (error instanceof HoldallError) {
    if (error.code === 'HOLDER_ROOT_MISMATCH')
      return 'The safety code does not match this patient’s Holdall. Do not continue. Check the code with the patient, or ask for a new one.'
    if (error.code === 'HOLDER_ROOT_CHANGED')
      return 'This patient’s Holdall is not the one this surgery saw before. Do not continue. Ask the patient, and tell your IT supplier.'
    return 'Holdall sent something this surgery could not check. Do not continue. Ask the patient for a new code.'
  }
  return 'Holdall could not complete the request. Ask the patient for a new code.'
}

function bindingWord(name: string): string {
  const word = name.split(/\s+/)[0]?.replace(/[^\p{L}\p{N}-]/gu, '') ?? ''
  return word.length >= 2 ? word.slice(0, 20) : 'Surgery'
}

function kindRequestError(error: unknown): string {
  if (error instanceof HoldallOAuthError) {
    if (error.error === 'slow_down') return 'Too many codes were wrong. Wait a few minutes, then try again.'
    if (error.error === 'unknown_user_id' || error.error === 'invalid_request' || error.error === 'expired_token')
      return 'That code did not work. Codes last 10 minutes and work once: ask the patient to make a new one.'
    if (error.error === 'invalid_client' || error.error === 'unauthorized_client')
      return 'The Holdall host does not recognise this surgery. Ask your IT supplier to check the surgery’s setup.'
  }
  if (error instanceof HoldallApiError) return 'That code did not work. Ask the patient to make a new one.'
  return 'We could not reach Holdall. Check the internet connection and try again.'
}

function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return rest.join('=')
  }
  return undefined
}
