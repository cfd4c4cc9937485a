/*
 * The desk page: one text box a USB scanner types into (it ends with Enter), and a camera button
 * where the browser has BarcodeDetector (Chromium on Android and ChromeOS). The page posts the
 * scanned text to its own server (the reader's, never the holder's host) and shows the answer.
 */
export const READER_PAGE = `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Check a Holdall code</title>
<style>
body { font: 1.125rem/1.5 system-ui, sans-serif; margin: 1rem; max-width: 40rem; }
label, button { display: block; margin: 0.5rem 0; }
input { font: inherit; width: 100%; box-sizing: border-box; padding: 0.5rem; }
button { font: inherit; padding: 0.5rem 1rem; min-height: 2.75rem; }
.ok { border-left: 0.5rem solid #00703c; padding-left: 1rem; }
.no { border-left: 0.5rem solid #d4351c; padding-left: 1rem; }
video { width: 100%; max-width: 24rem; }
</style>
</head>
<body>
<main>
<h1>Check a Holdall code</h1>
<p>Scan the code on their phone. This works without asking their phone or their host anything.</p>
<form id="scan">
<label for="code">Code (a scanner types it here)</label>
<input id="code" name="code" autocomplete="off" autofocus>
<button type="submit">Check</button>
</form>
<button id="camera" type="button" hidden>Use the camera</button>
<video id="video" hidden playsinline muted></video>
<div id="result" role="status" aria-live="polite"></div>
</main>
<script src="/reader.js" type="module"></script>
</body>
</html>
`

export const READER_SCRIPT = `
const form = document.getElementById('scan')
const input = document.getElementById('code')
const result = document.getElementById('result')
async function check(text) {
  const response = await fetch('/verify', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: text })
  const view = await response.json()
  result.className = view.ok ? 'ok' : 'no'
  result.replaceChildren()
  const h = document.createElement('h2')
  h.textContent = view.heading
  result.append(h)
  for (const line of view.lines) {
    const p = document.createElement('p')
    p.textContent = line
    result.append(p)
  }
  input.value = ''
  input.focus()
}
form.addEventListener('submit', (event) => { event.preventDefault(); if (input.value.trim()) check(input.value) })
if ('BarcodeDetector' in window) {
  const button = document.getElementById('camera')
  const video = document.getElementById('video')
  button.hidden = false
  button.addEventListener('click', async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } })
    video.srcObject = stream
    video.hidden = false
    await video.play()
    const detector = new BarcodeDetector({ formats: ['qr_code'] })
    const tick = async () => {
      const [code] = await detector.detect(video)
      if (code) {
        stream.getTracks().forEach((t) => t.stop())
        video.hidden = true
        return check(code.rawValue)
      }
      requestAnimationFrame(tick)
    }
    tick()
  })
}
`
