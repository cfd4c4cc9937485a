/*
 * FHIR narratives (Resource.text, invariant dom-6): a short XHTML summary a clinician can read
 * when their system does not render a resource's structure. Generated from the same values as the
 * structured data, never written by hand, so the two cannot disagree (status `generated`).
 */

const XHTML = 'http://www.w3.org/1999/xhtml'

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

/** A generated narrative: one paragraph per line, every value escaped. */
export function narrative(lines: readonly string[]): { status: 'generated'; div: string } {
  const body = lines
    .filter((line) => line.trim() !== '')
    .map((line) => `<p>${escapeXml(line)}</p>`)
    .join('')
  return { status: 'generated', div: `<div xmlns="${XHTML}">${body}</div>` }
}
