/*
 * Screens a visit reaches only by a tap from home (show my code, a request, my things, what
 * happened, what I share, show without internet, close my vault, a second PIN), in a chunk of their own like issue16-screens.ts: loaded
 * just after the first screen shows, so the first screen comes sooner on a slow connection.
 */

export { Goodbye } from './screens/goodbye.js'
export { Log } from './screens/log.js'
export { Pair } from './screens/pair.js'
export { RequestFlow } from './screens/request.js'
export { SecondPin } from './screens/second-pin.js'
export { Shared } from './screens/shared.js'
export { ShowOffline } from './screens/show-offline.js'
export { Inbox, Things } from './screens/things.js'
