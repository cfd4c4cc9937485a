// The wallet's service worker: keeps the app's own files so the holder can open the wallet and
// read the sealed copies of their records with no network. It never caches API answers: those
// carry tokens and ciphertext and must come from the host. Version %VERSION%.
const CACHE = 'holdall-wallet-%VERSION%'
const SHELL = JSON.parse('%SHELL%')

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  )
})

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url)
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !SHELL.includes(url.pathname)) return
  // The page itself: the network first (a new version), the cached one when offline.
  if (url.pathname === '/') {
    event.respondWith(fetch(event.request).catch(() => caches.match('/').then((cached) => cached || Response.error())))
    return
  }
  // Hashed assets never change: the cache first.
  event.respondWith(caches.match(event.request).then((cached) => cached || fetch(event.request)))
})
