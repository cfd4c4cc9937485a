import { render } from 'preact'
import { App } from './app.js'

const root = document.getElementById('app')
if (root !== null) render(<App origin={location.origin} />, root)

// Offline reading: the service worker keeps the app's own files (never API answers).
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => {
      // Without it the wallet still works online.
    })
  })
}
