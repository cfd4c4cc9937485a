import type { FeatureName, FeatureState } from './features.js'

/** How the runner tells each suite process what to test: JSON in one environment variable. */
export const CONFIG_ENV = 'HOLDALL_CONFORMANCE_CONFIG'

export interface SuiteConfig {
  /** The host under test, without a trailing slash. */
  baseUrl: string
  /** Path of the fixtures file (organisations, keys, trust list). */
  fixturesFile: string
  features: Record<FeatureName, FeatureState>
  /** Partner mode (spec 11.6): a second host, for the cross-host checks. */
  partnerUrl?: string
}

export function readSuiteConfig(env: Record<string, string | undefined> = process.env): SuiteConfig {
  const raw = env[CONFIG_ENV]
  if (raw === undefined) {
    throw new Error(`${CONFIG_ENV} is not set: run the suites through holdall-conformance, not directly`)
  }
  return JSON.parse(raw) as SuiteConfig
}
