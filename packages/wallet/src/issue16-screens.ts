/*
 * Issue 16's screens, in a chunk of their own: loaded just after the first screen shows, so a
 * first visit's download stays within budget (tools/build.ts splits it).
 */

export { loadDevicesState } from './devices-state.js'
export { LinkNewPhone } from './screens/link-phone.js'
export { Phones, RecoveryNotice } from './screens/phones.js'
export { RecoverStart, RecoveryWait } from './screens/recover.js'
export { RecoveryKitScreen } from './screens/recovery-kit.js'
