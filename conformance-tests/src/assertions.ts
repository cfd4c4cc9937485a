import assert from 'node:assert/strict'
import { ERROR_CODES, type ErrorCode } from '@holdall/protocol'

/**
 * Checks for the shapes chapter 6 requires: problem details with a stable code, OAuth errors on
 * the OAuth endpoints, and DPoP challenges. Each failure message says what the host sent.
 */
export async function assertProblem(response: Response, code: ErrorCode): Promise<Record<string, unknown>> {
  const text = await response.text()
  assert.equal(
    response.status,
    ERROR_CODES[code],
    `expected ${ERROR_CODES[code]} ${code}, got ${response.status}: ${text.slice(0, 300)}`,
  )
  assert.match(
    response.headers.get('content-type') ?? '',
    /^application\/problem\+json/,
    'problem details must be application/problem+json',
  )
  const body = JSON.parse(text) as Record<string, unknown>
  assert.equal(body.code, code, `expected code ${code}, got ${String(body.code)}`)
  assert.equal(body.status, response.status, 'the problem status member must equal the HTTP status')
  assert.equal(typeof body.title, 'string', 'a problem has a title')
  return body
}

export async function assertUnauthorized(response: Response): Promise<void> {
  assert.match(response.headers.get('www-authenticate') ?? '', /^DPoP\b/, 'a 401 carries a DPoP challenge')
  await assertProblem(response, 'unauthorized')
}

export async function assertOAuthError(response: Response, error: string, status = 400): Promise<void> {
  const text = await response.text()
  assert.equal(response.status, status, `expected ${status} ${error}, got ${response.status}: ${text.slice(0, 300)}`)
  const body = JSON.parse(text) as Record<string, unknown>
  assert.equal(body.error, error, `expected OAuth error ${error}, got ${String(body.error)}`)
}

export async function assertStatus(response: Response, status: number): Promise<void> {
  if (response.status !== status) {
    const text = await response.text()
    assert.fail(`expected ${status}, got ${response.status}: ${text.slice(0, 300)}`)
  }
}

/** Runs `action` and checks it fails with this OAuth error (through the client SDK). */
export async function rejectsWithOAuth(action: () => Promise<unknown>, error: string): Promise<void> {
  await assert.rejects(action, (thrown: unknown) => {
    assert.equal((thrown as { error?: string }).error, error, `expected OAuth error ${error}, got: ${String(thrown)}`)
    return true
  })
}

/** Runs `action` and checks it fails with this problem code (through the client SDK). */
export async function rejectsWithProblem(action: () => Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(action, (thrown: unknown) => {
    assert.equal((thrown as { code?: string }).code, code, `expected problem ${code}, got: ${String(thrown)}`)
    return true
  })
}
