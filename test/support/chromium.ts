import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { type Browser, chromium, type Page } from 'playwright-core'

/*
 * Debian's Chromium for every browser test in the repository (never a downloaded build):
 * `.ci/run` installs it; HOLDALL_SKIP_BROWSER=1 skips browser tests on a machine without it;
 * CHROMIUM_PATH points elsewhere.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const skipBrowser = process.env.HOLDALL_SKIP_BROWSER === '1'

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Starts headless Chromium, or says plainly how to get it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: apt-get install chromium, or set HOLDALL_SKIP_BROWSER=1`)
  }
  return chromium.launch({ executablePath: chromiumPath, args: ARGS })
}

export interface AxeViolation {
  id: string
  impact: string
  help: string
  nodes: { target: string[] }[]
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/**
 * axe-core's WCAG 2.0/2.1/2.2 A and AA rules and best practices on the page as it is now. Run
 * through the DevTools protocol, so a page's strict CSP (no inline script) holds for the page.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if ((await page.evaluate('typeof window.axe')) === 'undefined') await page.evaluate(axeSource)
  return (await page.evaluate(`window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`)) as AxeViolation[]
}
