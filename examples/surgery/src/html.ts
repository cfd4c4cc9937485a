/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string | number): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

/** A tagged template whose interpolations are escaped unless they are already `Html`. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

type Part = Html | string | number | undefined | false | readonly Html[]

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0] ?? ''
  parts.forEach((part, i) => {
    out += render(part) + (strings[i + 1] ?? '')
  })
  return new Html(out)
}

function render(part: Part): string {
  if (part === undefined || part === false) return ''
  if (part instanceof Html) return part.value
  if (Array.isArray(part)) return part.map((p) => p.value).join('')
  return escapeHtml(part as string | number)
}

export function page(options: {
  title: string
  body: Html
  surgeryName: string
  script?: boolean
  print?: boolean
}): string {
  return `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)} – ${escapeHtml(options.surgeryName)}</title>
<link rel="stylesheet" href="/assets/surgery.css">
${options.script === true ? '<script src="/assets/wait.js" defer></script>' : ''}
</head>
<body${options.print === true ? ' class="print"' : ''}>
<a class="skip" href="#main">Skip to main content</a>
<header class="masthead"><p class="brand">${escapeHtml(options.surgeryName)} <span>· Holdall medicines check</span></p></header>
<main id="main" tabindex="-1">
${options.body.value}
</main>
<footer class="foot"><p>Nothing about the patient is kept here after you finish: download or print what you need first.</p></footer>
</body>
</html>`
}
