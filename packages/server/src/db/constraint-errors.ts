/*
 * Whether a driver error is a unique-key violation, told by the driver's own error code: the
 * message text differs between SQLite and PostgreSQL (and between versions), the codes do not.
 */
const UNIQUE_VIOLATION_CODES = new Set([
  'SQLITE_CONSTRAINT_PRIMARYKEY', // better-sqlite3: a primary key taken
  'SQLITE_CONSTRAINT_UNIQUE', // better-sqlite3: a unique index taken
  '23505', // PostgreSQL unique_violation (primary keys included)
])

export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false
  return typeof error.code === 'string' && UNIQUE_VIOLATION_CODES.has(error.code)
}
