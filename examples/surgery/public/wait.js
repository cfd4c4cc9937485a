// Progressive enhancement: without this script the "Check again" button and a reload do the same.
// It long-polls the surgery service (never the Holdall host) and reloads when the session changes:
// a decision arrived, or sharing ended. It keeps nothing in browser storage.
;(() => {
  const status = document.getElementById('live-status')
  if (status === null) return
  const seen = Number(status.dataset.revision)
  const waitForChange = async () => {
    for (;;) {
      try {
        const response = await fetch(`/session/status?seen=${seen}`, { cache: 'no-store', credentials: 'same-origin' })
        const body = await response.json()
        if (body.state === 'gone' || body.revision !== seen) {
          window.location.reload()
          return
        }
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 3000))
      }
    }
  }
  void waitForChange()
})()
