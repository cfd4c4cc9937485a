import { type RecoveringDevice, releaseWorkerShare as release, type TrustedOrganisation } from '@holdall/client'
import type { Host } from '../harness.js'

/** The probation office releases share 2 after its in-person check, two staff approving. */
export async function releaseWorkerShare(host: Host, device: RecoveringDevice, worker: TrustedOrganisation) {
  if (worker.client_id !== host.orgs.probation.identity.clientId) throw new Error('the test worker is probation')
  return release(host.url, host.orgs.probation.identity, await device.workerRequest(), ['staff-ak', 'staff-bm'])
}
