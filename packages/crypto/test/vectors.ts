import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Reads a JSON vector file from protocol-spec/vectors/ (shared with other implementations). */
export function loadVectors<T>(relativePath: string): T {
  const path = join(import.meta.dirname, '..', '..', '..', 'protocol-spec', 'vectors', relativePath)
  return JSON.parse(readFileSync(path, 'utf8')) as T
}
