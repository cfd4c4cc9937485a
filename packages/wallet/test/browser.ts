import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { expect } from 'vitest'
import { axeViolations } from '../../../test/support/chromium.js'

/** Helpers for driving the wallet in Chromium: axe, target sizes, reflow, screenshots. */

export { axeViolations, launchChromium, skipBrowser } from '../../../test/support/chromium.js'

export const screenshotDir = join(import.meta.dirname, '..', 'screenshots')

/** Every tappable thing at least 24 by 24 CSS pixels (WCAG 2.2 2.5.8). */
export async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('button, a[href], input, select, textarea, [role="switch"]')]
      .filter((el) => {
        const box = el.getBoundingClientRect()
        const style = getComputedStyle(el)
        // Off-screen skip link until focused.
        return style.visibility !== 'hidden' && box.right > 0 && (box.width < 24 || box.height < 24)
      })
      .map((el) => `${el.tagName} "${el.textContent?.trim()}"`),
  )
}

/** What sticks out sideways, if the page scrolls sideways (WCAG 1.4.10 reflow); [] when it does not. */
export async function scrollsSideways(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth
    if (document.documentElement.scrollWidth <= width + 1) return []
    return [...document.querySelectorAll('main *, header *')]
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .map((el) => `${el.tagName}.${el.className} "${el.textContent?.trim().slice(0, 30)}"`)
  })
}

/**
 * The checks every screen gets: axe finds nothing, targets are big enough, no sideways scroll at
 * 360 px, at 320 px, and at 320 px with text at 200%; then a screenshot at 360 x 740.
 */
export async function checkScreen(page: Page, name: string): Promise<void> {
  // The language switch is on every screen (domain.md (d) 7).
  expect(await page.locator('header button[lang]').count(), `${name}: language switch`).toBe(1)
  const violations = await axeViolations(page)
  expect(violations, `${name}: axe violations ${JSON.stringify(violations, null, 1)}`).toEqual([])
  expect(await smallTargets(page), `${name}: targets under 24 px`).toEqual([])
  expect(await scrollsSideways(page), `${name}: scrolls sideways at 360 px`).toEqual([])
  await page.setViewportSize({ width: 320, height: 740 })
  expect(await scrollsSideways(page), `${name}: scrolls sideways at 320 px`).toEqual([])
  await page.evaluate(() => {
    document.documentElement.style.fontSize = '200%'
  })
  expect(await scrollsSideways(page), `${name}: scrolls sideways at 320 px with text at 200%`).toEqual([])
  await page.evaluate(() => {
    document.documentElement.style.fontSize = ''
  })
  await page.setViewportSize({ width: 360, height: 740 })
  // The same screen in the other language: its heading changes, and it passes the same checks.
  const switcher = page.locator('header button[lang]')
  const heading = await page.locator('h1').textContent()
  const back = (await switcher.textContent()) ?? ''
  await switcher.click()
  await expect
    .poll(() => page.locator('h1').textContent(), { message: `${name}: heading in the other language` })
    .not.toBe(heading)
  expect(await axeViolations(page), `${name} (other language): axe`).toEqual([])
  await page.setViewportSize({ width: 320, height: 740 })
  expect(await scrollsSideways(page), `${name} (other language): scrolls sideways at 320 px`).toEqual([])
  await page.setViewportSize({ width: 360, height: 740 })
  await page.getByRole('button', { name: back === 'Cymraeg' ? 'English' : 'Cymraeg' }).click()
  await expect.poll(() => page.locator('h1').textContent()).toBe(heading)
  mkdirSync(screenshotDir, { recursive: true })
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true })
  checked.push(name)
}

/** The screens checked so far, for the report at the end of the run. */
export const checked: string[] = []

/** Presses Tab until the focused element says `text`; fails if it never does (keyboard-only paths). */
export async function tabTo(page: Page, text: string): Promise<void> {
  for (let presses = 0; presses < 15; presses++) {
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(() => document.activeElement?.textContent?.trim())
    if (focused === text) {
      // The focus must be visible (WCAG 2.4.7): our focus style draws an outline.
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle)
      expect(outline, `focus on "${text}" is visible`).not.toBe('none')
      return
    }
  }
  throw new Error(`could not reach "${text}" with the Tab key`)
}
