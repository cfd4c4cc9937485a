import { HolderClient, HostConnection } from '@holdall/client'

/**
 * A holder made through the SDK, plus what a benchmark needs to send raw requests as that holder
 * (streams the SDK does not offer): its access token, caught from the SDK's own requests, and a
 * connection that signs DPoP proofs with its device key.
 */
export async function holderSession(url: string) {
  let token: string | undefined
  const catching: typeof fetch = (input, init) => {
    const authorization = new Headers(init?.headers).get('authorization')
    if (authorization?.startsWith('DPoP ')) token = authorization.slice(5)
    return fetch(input, init)
  }
  const holder = await HolderClient.createVault(url, catching)
  await holder.createPairingCode()
  if (token === undefined) throw new Error('no access token seen')
  const connection = new HostConnection(url, holder.deviceKeys.signing)
  return {
    holder,
    token,
    headers: async (method: string, path: string) => ({
      authorization: `DPoP ${token}`,
      dpop: await connection.proof(method, path, token),
    }),
  }
}
