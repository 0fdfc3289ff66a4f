declare module 'virtual:atf-sw' {
  /** The built service worker's site-relative URL ("sw.js"); null on the dev server (which sends
   *  COOP/COEP itself and must not be cached). Provided by scripts/atf-sw-plugin.ts. */
  export const serviceWorkerUrl: string | null;
}
