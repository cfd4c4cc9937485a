import { render } from 'preact'
import { App, savedLanguage } from './app.js'
import { loadLanguage } from './i18n.js'

const root = document.getElementById('app')
// A phone set to Welsh draws its first screen in Welsh: its words load first (a chunk of their own).
if (root !== null) {
  const language = savedLanguage()
  void loadLanguage(language)
    .catch(() => {})
    .then(() => render(<App origin={location.origin} />, root))
}

// Offline reading: the service worker keeps the app's own files (never API answers).
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => {
      // Without it the wallet still works online.
    })
  })
}
