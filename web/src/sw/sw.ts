// The site's service worker (built to dist/sw.js by scripts/atf-sw-plugin.ts, which prepends the
// precache manifest ATF_PRECACHE). Two jobs:
//  1. Cross-origin isolation on hosts that cannot send headers: every same-origin response it
//     hands out gets COOP: same-origin and COEP: require-corp when the server did not send them
//     (the technique of coi-serviceworker, MIT). The page (sw/register.ts) reloads itself at most
//     once to come under its control. Navigations with ?fallback, ?nosw or ?embed are left as the
//     server sent them, so those pages are exactly what the host makes them.
//  2. Offline: the whole app (index.html, the content-hashed JS/CSS, both .wasm files, the worker
//     scripts and the bundled sample CSVs) is precached in one cache named after the build's
//     version; a new build installs a new cache, takes over at once (skipWaiting + clients.claim)
//     and deletes the old ones. Navigations go to the network first (a new deploy takes effect on
//     the next load) and fall back to the cached index.html; hashed files are served cache-first.
// Typed against the DOM lib of the page's tsconfig: the few service-worker types are declared here.
export {};

declare const ATF_PRECACHE: { version: string; files: string[] };

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ServiceWorkerScope {
  readonly registration: { readonly scope: string };
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

const sw = self as unknown as ServiceWorkerScope;
const PREFIX = 'atf-app-';
const CACHE = PREFIX + ATF_PRECACHE.version;
/** How long a navigation waits for the network before the cached app is served. */
const NAVIGATION_TIMEOUT_MS = 4000;
/** Navigations with one of these URL parameters get no injected headers. */
const OPT_OUT = ['fallback', 'nosw', 'embed'];

const scope = new URL(sw.registration.scope);
/** The app shell (index.html) is fetched and kept under the scope's own URL (some hosts redirect
 *  /index.html to /), and served for navigations to either. */
const SHELL = scope.href;
const INDEX = new URL('index.html', scope).href;
const PRECACHED = new Set(ATF_PRECACHE.files.map((f) => (f === 'index.html' ? SHELL : new URL(f, scope).href)));

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        await Promise.all(
          [...PRECACHED].map(async (url) => {
            // The shell is revalidated; the other files have content hashes in their names.
            const response = await fetch(url, { cache: url === SHELL ? 'no-cache' : 'default' });
            if (!response.ok) throw new Error(`precache: ${url} answered HTTP ${response.status}`);
            // A redirected response cannot answer a navigation: keep a plain copy.
            await cache.put(url, response.redirected ? await copy(response) : response);
          }),
        );
      } catch (e) {
        await caches.delete(CACHE); // never leave a partial version behind; the install fails
        throw e;
      }
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return; // fetch() would throw
  const url = new URL(request.url);
  if (url.origin !== scope.origin) return; // cross-origin: untouched (the CSP allows none anyway)
  if (request.mode === 'navigate') {
    event.respondWith(navigate(request, url));
  } else {
    event.respondWith(subresource(request, url));
  }
});

/** Network first (bounded wait), then the cached app shell; headers added unless opted out. */
async function navigate(request: Request, url: URL): Promise<Response> {
  const path = url.href.split(/[?#]/)[0];
  const appShell = path === SHELL || path === INDEX;
  const network = fetch(request);
  network.catch(() => {}); // its failure is handled below; never an unhandled rejection
  let response: Response | null = null;
  try {
    response = appShell ? await withTimeout(network, NAVIGATION_TIMEOUT_MS) : await network;
  } catch {
    response = null; // offline, refused, or too slow
  }
  if (appShell && (!response || response.status >= 500 || response.status === 404)) {
    const cached = await caches.match(SHELL, { cacheName: CACHE });
    if (cached) response = cached;
  }
  if (!response) response = await network; // nothing cached: the network's answer or its error
  return OPT_OUT.some((p) => url.searchParams.has(p)) ? response : isolate(response);
}

/** Precached files from the cache (network if missing), others from the network; headers added. */
async function subresource(request: Request, url: URL): Promise<Response> {
  const key = url.href.split('#')[0]!;
  if (key !== SHELL && PRECACHED.has(key)) {
    const cached = await caches.match(key, { cacheName: CACHE });
    if (cached) return isolate(cached);
  }
  return isolate(await fetch(request));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}

async function copy(response: Response): Promise<Response> {
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** The response with COOP/COEP added where missing (opaque responses cannot be changed). */
function isolate(response: Response): Response {
  if (response.status === 0) return response;
  const h = response.headers;
  if (h.has('Cross-Origin-Opener-Policy') && h.has('Cross-Origin-Embedder-Policy')) return response;
  const headers = new Headers(h);
  if (!headers.has('Cross-Origin-Opener-Policy')) headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  if (!headers.has('Cross-Origin-Embedder-Policy')) headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
