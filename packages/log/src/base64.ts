/**
 * Standard, padded base64 (RFC 4648 section 4), as signed notes and checkpoints use it: the strict
 * codec of @holdall/crypto (one canonical spelling per byte string), which holds both spellings
 * Holdall uses. Kept as a module so the log's files import it from one place.
 */
export { base64Decode, base64Encode } from '@holdall/crypto'
