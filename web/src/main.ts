// The page: starts the app's services (app/boot.ts: engine client, repository, window.atf) and
// then the UI (ui/app.ts), which only talks to window.atf.
import { boot } from './app/boot';
import { startApp } from './ui/app';

const showFatal = (e: unknown) => {
  const msg = e instanceof Error ? e.message : String(e);
  window.atfError ??= msg;
  const badge = document.getElementById('mode');
  if (badge) {
    badge.textContent = `engine failed to start: ${msg}`;
    badge.className = 'badge broken';
  }
};

window.atfReady = boot();
window.atfReady.then((atf) => startApp(atf).catch(showFatal), showFatal);
