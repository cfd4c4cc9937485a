/** `items` in slices of at most `size`: one statement per slice keeps SQL parameter counts bounded. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
