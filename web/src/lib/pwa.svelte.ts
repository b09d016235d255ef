// Service worker registration. registerType is 'prompt': a new version waits until the user
// presses "Update", and not while a form has unsaved input. Browsers look for a new sw.js only
// on navigation, so a long-open app checks hourly and when it becomes visible again.
import { registerSW } from 'virtual:pwa-register'
import { anyDirty } from './state/dirty'

export const pwa = $state({ needRefresh: false, offlineReady: false, blockedByForm: false })

let updateSW: ((reload?: boolean) => Promise<void>) | null = null

export function startPwa(): void {
  updateSW = registerSW({
    immediate: true,
    onNeedRefresh: () => (pwa.needRefresh = true),
    onOfflineReady: () => (pwa.offlineReady = true),
    onRegisteredSW(_url, reg) {
      if (!reg) return
      const check = () => {
        if (navigator.onLine) reg.update().catch(() => {})
      }
      setInterval(check, 3_600_000)
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') check()
      })
    },
  })
}

/** Activate the waiting version and reload, unless a form would lose its input. */
export function applyUpdate(): void {
  if (anyDirty()) {
    pwa.blockedByForm = true
    return
  }
  void updateSW?.(true)
}

export function dismissUpdate(): void {
  pwa.needRefresh = false
  pwa.blockedByForm = false
}
