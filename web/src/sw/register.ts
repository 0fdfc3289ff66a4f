// Page side of the service worker (sw.ts): registers it and, on a host that sends no COOP/COEP,
// reloads the page once so that it comes under the worker's control and is cross-origin isolated.
// Rules (each can only prevent a reload, never add one):
//  - no service worker on the dev server, without service-worker support or a secure context;
//  - none with ?nosw, ?fallback or ?embed in the URL, nor inside a frame (embedding degrades to the
//    fallback mode; a framed page could not be isolated by a reload anyway);
//  - no reload when the page is already isolated, or already controlled by the worker (its headers
//    then do not isolate in this browser), or when this tab already reloaded itself and is still
//    not isolated (sessionStorage guard, so it can never loop), or when the worker is not ready
//    within READY_TIMEOUT_MS (the next visit will be isolated).
// In every case where no isolation results, the app runs in its fallback mode.
import { serviceWorkerUrl } from 'virtual:atf-sw';

export interface ServiceWorkerStatus {
  /** 'off': not used on this page; 'active': registered (it caches the app for offline use). */
  state: 'off' | 'active' | 'failed';
  /** This tab has reloaded itself for isolation (this load, or an earlier one of the session). */
  reloaded: boolean;
  /** Why the worker is off / failed, or why the page stays in the fallback mode. */
  reason?: string;
}

declare global {
  interface Window {
    atfServiceWorker?: ServiceWorkerStatus;
  }
}

const GUARD = 'atf-sw-reloaded';
const READY_TIMEOUT_MS = 10_000;
const OPT_OUT = ['nosw', 'fallback', 'embed'];

function guard(op: 'get' | 'set' | 'clear'): boolean {
  try {
    if (op === 'get') return sessionStorage.getItem(GUARD) !== null;
    if (op === 'set') sessionStorage.setItem(GUARD, String(Date.now()));
    else sessionStorage.removeItem(GUARD);
    return true;
  } catch {
    return false; // no sessionStorage (sandboxed, disabled): then never reload
  }
}

function framed(): boolean {
  try {
    return window.top !== window;
  } catch {
    return true;
  }
}

function ready(timeoutMs: number): Promise<boolean> {
  return Promise.race([
    navigator.serviceWorker.ready.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs)),
  ]);
}

/** Registers the service worker; resolves with its status, or never when the page reloads. */
export async function setupServiceWorker(params: URLSearchParams): Promise<ServiceWorkerStatus> {
  watchUpdates(); // first: a new version can take over while this page starts
  const status = await decide(params);
  window.atfServiceWorker = status;
  return status;
}

async function decide(params: URLSearchParams): Promise<ServiceWorkerStatus> {
  const reloaded = guard('get');
  if (!serviceWorkerUrl) return { state: 'off', reloaded, reason: 'development server (it sends COOP/COEP itself)' };
  if (!('serviceWorker' in navigator) || !window.isSecureContext) {
    return { state: 'off', reloaded, reason: 'service workers need a secure context (https or localhost)' };
  }
  const opt = OPT_OUT.find((p) => params.has(p)) ?? (framed() ? 'frame' : null);
  if (opt) return { state: 'off', reloaded, reason: opt === 'frame' ? 'inside a frame' : `?${opt} in the URL` };
  const controlled = navigator.serviceWorker.controller !== null;
  try {
    await navigator.serviceWorker.register(new URL(serviceWorkerUrl, document.baseURI).href);
  } catch (e) {
    return { state: 'failed', reloaded, reason: `registration failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (window.crossOriginIsolated) {
    guard('clear');
    return { state: 'active', reloaded };
  }
  const stay = (reason: string): ServiceWorkerStatus => ({ state: 'active', reloaded, reason });
  if (reloaded) return stay('reloaded once already and still not cross-origin isolated');
  if (controlled) return stay('the service worker controls the page but its headers do not isolate it here');
  if (!(await ready(READY_TIMEOUT_MS))) return stay('the service worker was not ready in time; the next visit will be isolated');
  if (!guard('set')) return stay('no sessionStorage to guard an automatic reload');
  location.reload();
  return new Promise<never>(() => {}); // the page is going away
}

/** A new version took over an open page (skipWaiting + clients.claim): say so, once. */
function watchUpdates(): void {
  if (!('serviceWorker' in navigator) || !navigator.serviceWorker.controller) return; // a first installation is no update
  navigator.serviceWorker.addEventListener(
    'controllerchange',
    () => {
      console.info('atf: a new version of the app is installed; it takes effect on the next load');
      window.dispatchEvent(new CustomEvent('atf:update'));
    },
    { once: true },
  );
}
