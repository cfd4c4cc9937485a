import { readFileSync } from 'node:fs'
import { buildWallet } from './build.js'

/*
 * npm run build:wallet: builds packages/wallet/dist for `npm start`. The trust anchor is the one
 * the host is given (HOLDALL_TRUST_ANCHOR_FILE), pinned into the app at build time.
 */
const anchorFile = process.env.HOLDALL_TRUST_ANCHOR_FILE
const trustAnchor = anchorFile === undefined ? undefined : JSON.parse(readFileSync(anchorFile, 'utf8'))
const result = await buildWallet({ trustAnchor })
process.stdout.write(
  `Wallet built in ${result.outDir}: first load ${(result.firstLoadJsGzipBytes / 1024).toFixed(1)} KB of JavaScript gzipped (budget 150 KB)\n`,
)
