// The app shell: the side panel (new-run form, or the progress view of the run just started) and
// the main area (dashboard, a run's report, or the run log), routed by the location hash:
// #/runs, #/run/<kind>/<id>, #/log.
import type { AtfApi } from '../engine/api';
import type { RunKind } from '../engine/types';
import type { Ctx, MetricInfo, StrategyInfo } from './context';
import { Dashboard } from './dashboard';
import { DataView, watchStorageWarning } from './data-view';
import { byId, errorPanel, errorText, h } from './dom';
import { LogView } from './log-view';
import { useSavedDatasets } from './prices';
import { NewRunForm } from './new-run';
import { ProgressView } from './progress';
import { backtestReport, optimizationReport, type Report } from './reports';
import { walkForwardReport } from './walkforward-report';
import { appUrl, decodeShareHash, isShareHash } from './share';

export async function startApp(atf: AtfApi): Promise<void> {
  // Embed mode (?embed, for an iframe in a demo page): just the panel, the progress and the
  // report. Inside a page that is not cross-origin isolated the engine runs in reduced mode.
  const embed = new URLSearchParams(location.search).has('embed');
  if (embed) setUpEmbed();
  showMode(atf.mode);
  showIntro();
  // Charts and the Data view read datasets saved by earlier visits through the engine.
  useSavedDatasets((name) => atf.datasetCsv(name));
  byId('workers').textContent = `${atf.workerCount} engine worker${atf.workerCount === 1 ? '' : 's'}`;

  const info = await atf.info();
  // The catalog comes from the engine as plain JSON (copied, so the UI never shares its objects).
  const strategies = JSON.parse(JSON.stringify(info.strategies)) as StrategyInfo[];
  const metrics = JSON.parse(JSON.stringify(info.metrics)) as MetricInfo[];
  try {
    const v = JSON.parse(String(info.version)) as { version?: string };
    byId('version').textContent = v.version ? `engine ${v.version}` : '';
  } catch {
    /* the version is informative only */
  }

  const side = byId('side');
  const main = byId('main');
  let progress: ProgressView | null = null;
  let report: Report | null = null;
  let reportSeq = 0;
  /** Whether the report on screen was built from a finished run. */
  let shownTerminal = false;

  const ctx: Ctx = {
    atf,
    strategies,
    metrics,
    barsPerSecond: null,
    gridEstimates: new Map(),
    gridCorrection: 1,
    openRun: (id, kind) => {
      const target = `#/run/${kind}/${id}`;
      if (location.hash !== target) location.hash = target;
      // Already shown: rebuild only if it was shown before the run ended.
      else if (!shownTerminal) void route();
    },
    runEnded: (id, kind) => {
      if (location.hash === `#/run/${kind}/${id}` && !shownTerminal) void route();
    },
    track: (id, kind) => showProgress(id, kind),
    runsChanged: () => void dashboard.refresh(),
    openScript: (run) => {
      showForm();
      void form.openScript(run.request, run.dataset);
    },
  };

  const form = new NewRunForm(ctx);
  const showForm = () => {
    progress?.dispose();
    progress = null;
    side.replaceChildren(form.el);
    form.refreshDatasets();
    (form.el.querySelector('#nr-submit') as HTMLElement | null)?.focus({ preventScroll: true });
  };
  const showProgress = (id: string, kind: RunKind) => {
    progress?.dispose();
    progress = new ProgressView(ctx, id, kind, showForm);
    side.replaceChildren(progress.el);
    (progress.el.querySelector('#progress-cancel') as HTMLElement | null)?.focus({ preventScroll: true });
  };
  /** On a phone the panel is above the report: a report opened under the whole form (about
   *  1,000 px of it) would be off screen, so the form folds to one button until asked for. */
  const foldFormOnPhone = () => {
    if (!window.matchMedia('(max-width: 900px)').matches || side.firstElementChild !== form.el) return;
    const open = h('button#side-unfold.secondary', { type: 'button', 'aria-controls': 'side', onclick: () => showForm() }, 'New run ▸');
    side.replaceChildren(h('div.side-folded', null, open, h('span.hint', null, 'The form is folded; open it to start a run.')));
    document.getElementById('main')?.scrollIntoView({ block: 'start' });
  };
  // Folding is for phones: a window widened past them gets the form back.
  window.matchMedia('(max-width: 900px)').addEventListener('change', (e) => {
    if (!e.matches && side.querySelector('.side-folded')) showForm();
  });
  showForm();

  const dashboard = new Dashboard(ctx);
  const dataView = new DataView(atf, () => void dashboard.refresh());
  watchStorageWarning(atf);
  // A new version was deployed while this tab was open (the service worker says so): offer a
  // reload rather than doing it, so that nothing in progress is lost.
  window.addEventListener('atf:update', () => {
    const note = byId('update-note');
    note.hidden = false;
    note.replaceChildren('A new version of the app is available. ', h('button.link', { type: 'button', onclick: () => location.reload() }, 'Reload to use it'), ' (a run in flight stops; an optimization keeps its finished trials and can be resumed).');
  });
  atf.database.onChange(() => void dashboard.refresh());
  const logView = new LogView(atf);

  const navLinks = [...document.querySelectorAll<HTMLAnchorElement>('nav.top a')];
  const setNav = (which: string) => {
    for (const a of navLinks) {
      if (a.dataset['nav'] === which) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  };

  const route = async () => {
    if (isShareHash(location.hash)) {
      // A share link: fill the panel, then show the runs (the link leaves the address bar so
      // that a reload does not overwrite what the user changed since).
      const hash = location.hash;
      history.replaceState(null, '', `${location.pathname}${location.search}#/runs`);
      showForm();
      try {
        form.fill(await decodeShareHash(hash));
      } catch (e) {
        main.replaceChildren(errorPanel('Cannot use this link', errorText(e), null));
        return;
      }
    }
    const seq = ++reportSeq;
    report?.dispose();
    report = null;
    const m = /^#\/run\/(backtest|optimization|walkforward)\/([\w-]+)$/.exec(location.hash);
    if (m) {
      setNav('runs');
      const kind = m[1] as RunKind;
      const id = m[2] ?? '';
      // The same run's report already on screen (its live view, at the finish) stays there until
      // the finished one is ready and takes its place in one step: its heatmap never leaves.
      const same = main.querySelector(`article.report[data-run="${CSS.escape(id)}"]`) !== null;
      if (!same) main.replaceChildren(h('p.muted.loading', null, 'Loading report…'));
      try {
        // An optimization's trials are not read whole: its report pages through them by SQL.
        const run = kind === 'backtest' ? await atf.getBacktestRun(id) : kind === 'walkforward' ? await atf.getWalkForwardRun(id) : await atf.getOptimizationRun(id, { trials: false });
        const back = () => (location.hash = '#/runs');
        const r = kind === 'backtest' ? await backtestReport(ctx, run, back) : kind === 'walkforward' ? walkForwardReport(ctx, run, back) : await optimizationReport(ctx, run, back);
        if (seq !== reportSeq) {
          r.dispose();
          return;
        }
        report = r;
        shownTerminal = run.status !== 'Pending' && run.status !== 'Running';
        main.replaceChildren(r.el);
        if (!same) main.scrollTop = 0;
        (r.el.querySelector('#report-title') as HTMLElement | null)?.setAttribute('tabindex', '-1');
        if (run.status === 'Pending' || run.status === 'Running') {
          if (progress?.id !== id) showProgress(id, kind);
        } else if (progress && progress.id !== id && progress.finished) {
          // The panel followed another run that has ended (e.g. a trial's backtest, then Back to
          // its optimization): the panel and the report must not show two different runs.
          showForm();
        }
        foldFormOnPhone();
      } catch (e) {
        if (seq !== reportSeq) return;
        main.replaceChildren(errorPanel('Cannot open this run', errorText(e), null), h('p', null, h('a', { href: '#/runs' }, '← All runs')));
      }
      return;
    }
    if (location.hash === '#/data') {
      setNav('data');
      main.replaceChildren(dataView.el);
      await dataView.refresh();
      return;
    }
    if (location.hash === '#/log') {
      setNav('log');
      logView.show();
      main.replaceChildren(logView.el);
      return;
    }
    setNav('runs');
    if (embed) {
      main.replaceChildren(embedHome());
      return;
    }
    dashboard.resetConfirm();
    main.replaceChildren(dashboard.el);
    void dashboard.refresh();
  };
  window.addEventListener('hashchange', () => void route());
  await route();
  document.body.dataset['ready'] = 'true';
}

/** Embed mode: the page's chrome is reduced to the brand, the mode badge and a link to the full
 *  app (a new tab, so the demo page stays). */
function setUpEmbed(): void {
  document.body.classList.add('embed');
  const link = h('a.open-full', { href: appUrl('#/runs'), target: '_blank', rel: 'noopener' }, 'Open the full app ↗');
  document.querySelector('nav.top')?.replaceChildren(link);
}

function embedHome(): HTMLElement {
  return h(
    'section.embed-home',
    { 'aria-labelledby': 'embed-title' },
    h('h2#embed-title', null, 'Backtest a strategy in your browser'),
    h('p', null, 'Pick a sample dataset and a strategy, then run a backtest or a parameter grid. The engine is C++ compiled to WebAssembly and runs here, on this device; the report appears in this space.'),
  );
}

/** The header's chip: the engine's mode in plain words; what it means on demand (the chip is a
 *  button that opens a short explanation, also its title). */
function showMode(mode: string): void {
  const chip = byId('mode');
  const details = byId('mode-details');
  const shared = mode === 'shared-memory';
  chip.textContent = shared ? 'Full speed' : 'Reduced mode';
  chip.className = `badge ${shared ? 'shared' : 'fallback'}`;
  chip.dataset['mode'] = mode;
  const text = shared
    ? 'Full speed: this page is cross-origin isolated, so the engine workers share memory with it. Progress counters update live and Cancel stops a run at once.'
    : 'Reduced mode: this page is not cross-origin isolated (no SharedArrayBuffer), so progress arrives by messages and Cancel stops a run by restarting its worker. Results are the same.';
  chip.title = text;
  details.textContent = text;
  chip.setAttribute('aria-expanded', 'false');
  chip.addEventListener('click', () => {
    details.hidden = !details.hidden;
    chip.setAttribute('aria-expanded', String(!details.hidden));
  });
}

const INTRO_KEY = 'atf.intro.dismissed';

/** One plain line on what the app is, until dismissed (kept in localStorage). */
function showIntro(): void {
  const intro = byId('intro');
  let dismissed = false;
  try {
    dismissed = localStorage.getItem(INTRO_KEY) === '1';
  } catch {
    /* no storage: show it */
  }
  if (dismissed || document.body.classList.contains('embed')) return;
  intro.hidden = false;
  intro.querySelector('button')?.addEventListener('click', () => {
    intro.hidden = true;
    try {
      localStorage.setItem(INTRO_KEY, '1');
    } catch {
      /* no storage: hidden for this page */
    }
  });
}
