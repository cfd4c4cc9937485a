/**
 * Optional features. A host that lacks one is reported as skipped for the tests that need it,
 * never as passed. Each is detected from the host where that is possible, or declared by the
 * operator with `--without <feature>`.
 */
export const FEATURES = {
  'verified-organisations':
    "the host serves a trust list that lists the suite's organisations (run `holdall-conformance fixtures` and configure the host with its trust list); needed for deposits, justice-only records and the verified badge",
  'idempotency-key': 'the host honours an Idempotency-Key header on the backchannel endpoint (a SHOULD: API-REQ-02)',
} as const

export type FeatureName = keyof typeof FEATURES

/** `true`, or the reason the feature is missing. */
export type FeatureState = true | string

export function isFeatureName(name: string): name is FeatureName {
  return Object.hasOwn(FEATURES, name)
}
