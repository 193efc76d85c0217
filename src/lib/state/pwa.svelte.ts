// The installed-app side of the page: registers the Service Worker (vite-plugin-pwa builds it
// from workers/sw/sw.ts), and knows when the app works offline and when a new version waits
// for the user's "reload" (it never takes over a tab mid-chat by itself).
import { registerSW } from 'virtual:pwa-register';

class PwaState {
  updateReady = $state(false);
  offlineReady = $state(false);
  #update: ((reload?: boolean) => Promise<void>) | null = null;

  start(): void {
    if (!('serviceWorker' in navigator)) return;
    this.#update = registerSW({
      immediate: true,
      onNeedRefresh: () => (this.updateReady = true),
      onOfflineReady: () => (this.offlineReady = true),
    });
  }

  /** Lets the waiting version take over, then reloads the page into it. */
  update(): void {
    void this.#update?.(true);
  }

  dismiss(): void {
    this.updateReady = false;
    this.offlineReady = false;
  }
}

export const pwa = new PwaState();
