/**
 * @holdall/example-reader: check a holder's offline share at a desk (spec chapter 10).
 * `createOfflineReader` is the SDK function; `startReaderServer` serves the desk page.
 */

export { READER_PAGE, READER_SCRIPT } from './page.js'
export { createOfflineReader, type OfflineReader, type ReaderOptions, type ReaderView } from './reader.js'
export { startReaderServer } from './server.js'
