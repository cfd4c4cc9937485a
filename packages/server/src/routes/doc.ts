import type { ZodType } from 'zod'

/** Route schema: a summary and tag for /openapi.json, and zod schemas that fastify validates. */
export function doc(
  tag: string,
  summary: string,
  parts: { params?: ZodType; body?: ZodType; consumes?: readonly string[] } = {},
) {
  return { schema: { tags: [tag], summary, ...parts } }
}
