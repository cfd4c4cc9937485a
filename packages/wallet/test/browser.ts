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
 * Words broken inside across two lines ("Yo/ur", "River/side"): for every word of every visible
 * text node, whether its glyphs sit on more than one line. A word is a run of letters and digits
 * (with ' and -), so breaks at spaces and after a hyphen or slash are allowed; [] when none.
 */
export async function brokenWords(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const broken: string[] = []
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const text = node.textContent ?? ''
      const parent = node.parentElement
      if (parent === null || parent.closest('.visually-hidden, .skip-link, svg') !== null) continue
      if (parent.getClientRects().length === 0) continue
      for (const match of text.matchAll(/[\p{L}\p{N}’']+/gu)) {
        if (match[0].length < 2) continue
        const range = document.createRange()
        range.setStart(node, match.index)
        range.setEnd(node, match.index + match[0].length)
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)))
        if (tops.size > 1) broken.push(match[0])
      }
    }
    return broken
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
  expect(await brokenWords(page), `${name}: words broken inside at 320 px`).toEqual([])
  await page.evaluate(() => {
    document.documentElement.style.fontSize = '200%'
  })
  expect(await scrollsSideways(page), `${name}: scrolls sideways at 320 px with text at 200%`).toEqual([])
  expect(await brokenWords(page), `${name}: words broken inside at 320 px with text at 200%`).toEqual([])
  mkdirSync(screenshotDir, { recursive: true })
  await page.screenshot({ path: join(screenshotDir, `${name}-320-200.png`), fullPage: true })
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
  await page.evaluate(() => {
    document.documentElement.style.fontSize = '200%'
  })
  expect(await scrollsSideways(page), `${name} (other language): sideways at 320 px, 200% text`).toEqual([])
  expect(await brokenWords(page), `${name} (other language): words broken at 320 px, 200% text`).toEqual([])
  await page.evaluate(() => {
    document.documentElement.style.fontSize = ''
  })
  await page.setViewportSize({ width: 360, height: 740 })
  await page.getByRole('button', { name: back === 'Cymraeg' ? 'English' : 'Cymraeg' }).click()
  await expect.poll(() => page.locator('h1').textContent()).toBe(heading)
  await page.screenshot({ path: join(screenshotDir, `${name}-360.png`), fullPage: true })
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
