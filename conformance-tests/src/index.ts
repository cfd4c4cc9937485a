/**
 * @holdall/conformance: the black-box conformance suite for Holdall hosts. Most people use the
 * `holdall-conformance` command; `runConformance` is the same thing for a script.
 */
export { FEATURES, type FeatureName } from './features.js'
export { createFixtures, type Fixtures, type FixturesFile, loadFixtures, ORGANISATIONS } from './fixtures.js'
export { type RunOptions, type RunResult, runConformance, suiteFiles } from './run.js'
