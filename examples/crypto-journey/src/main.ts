import { runJourney } from './journey.js'

const result = await runJourney((line) => console.log(`- ${line}`))
console.log(result.hostSawPlaintext ? 'FAIL: the host saw plaintext' : 'The host never saw a record or a key.')
