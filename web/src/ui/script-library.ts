// The scripts library bar above the Pine editor: which script is open (a list of the library's
// scripts), its name (editing it renames the script), New / Duplicate / Delete / Save, and its
// versions (picking one puts that version's text in the editor; saving makes it the newest).
// Edits are kept as the script's draft in SQLite (debounced), so a reload loses nothing; every
// save, and every run of changed text, is a new version. The examples of data/pine stay
// read-only templates: starting from one makes a new script.
import type { AtfApi } from '../engine/api';
import type { ScriptDoc, ScriptRef, ScriptVersionInfo } from '../storage/script-repository';
import { scriptHashOf } from '../engine/run-request';
import { dateTime, errorText, h } from './dom';

/** The editor as the library drives it. */
export interface LibraryEditor {
  text(): string;
  /** Replaces the text (undo brings the previous one back). */
  setText(text: string): void;
}

/** What a new, empty script starts with. */
const NEW_SCRIPT = `//@version=6
strategy("My strategy", overlay = true)
fastLength = input.int(10, "Fast length", minval = 1)
slowLength = input.int(30, "Slow length", minval = 1)
fast = ta.sma(close, fastLength)
slow = ta.sma(close, slowLength)
plot(fast, "Fast", color = color.orange)
plot(slow, "Slow", color = color.blue)
if ta.crossover(fast, slow)
    strategy.entry("Long", strategy.long)
if ta.crossunder(fast, slow)
    strategy.close("Long")
`;

/** The localStorage key of the draft kept before the library existed (moved into it once). */
const LEGACY_DRAFT_KEY = 'atf.script.draft';
/** Edits are written as the draft this long after the last keystroke. */
const DRAFT_DELAY_MS = 500;

export class ScriptLibrary {
  readonly el: HTMLElement;
  private readonly picker: HTMLSelectElement;
  private readonly name: HTMLInputElement;
  private readonly versionsSel: HTMLSelectElement;
  private readonly state: HTMLElement;
  private readonly error: HTMLElement;
  private editor: LibraryEditor | null = null;
  private doc: ScriptDoc | null = null;
  /** The text of the open script's latest version (an editor holding it has no edits). */
  private savedText: string | null = null;
  private versions: ScriptVersionInfo[] = [];
  private draftTimer: ReturnType<typeof setTimeout> | null = null;
  /** Text the library itself put in the editor (its echo in onEdit is no user edit). */
  private placed: string | null = null;

  constructor(private readonly atf: AtfApi) {
    this.picker = h('select#nr-script', { 'aria-label': 'Script from the library', onchange: () => void this.switchTo(this.picker.value) });
    this.name = h('input#nr-script-name', { type: 'text', 'aria-label': 'Script name', maxlength: 120, autocomplete: 'off', spellcheck: false });
    this.name.addEventListener('change', () => void this.rename());
    this.name.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.name.blur();
      }
    });
    this.versionsSel = h('select#nr-script-versions', { 'aria-label': 'Versions of this script', onchange: () => void this.openVersion() });
    this.state = h('span#nr-script-state.hint', { 'aria-live': 'polite', 'data-testid': 'script-state' });
    this.error = h('p.field-error', { role: 'alert', id: 'err-script-library' });
    const btn = (id: string, label: string, title: string, fn: () => Promise<void>) =>
      h('button.secondary.small', { type: 'button', id, title, onclick: () => void this.guard(fn) }, label);
    this.el = h(
      'div.script-library',
      { 'data-testid': 'script-library', hidden: !atf.scripts.available },
      h(
        'div.library-row',
        null,
        this.picker,
        this.name,
      ),
      h(
        'div.library-row',
        null,
        btn('nr-script-new', 'New', 'A new script in the library', () => this.create()),
        btn('nr-script-dup', 'Duplicate', 'A copy of this script (its current text) as a new script', () => this.duplicate()),
        btn('nr-script-del', 'Delete', 'Delete this script and its versions (runs keep their copy)', () => this.remove()),
        btn('nr-script-save', 'Save', 'Save the text as a new version (Ctrl/⌘+S)', () => this.save().then(() => undefined)),
        this.versionsSel,
        this.state,
      ),
      this.error,
    );
  }

  /** Whether scripts are kept in the library (false without a results database). */
  get available(): boolean {
    return this.atf.scripts.available;
  }

  /** The text the editor starts with: the most recently changed script of the library (made
   *  from the pre-library draft, or `fallback`, when the library is empty). */
  async start(fallback: string): Promise<string> {
    if (!this.available) return localStorageDraft() ?? fallback;
    try {
      const list = await this.atf.scripts.list();
      let doc: ScriptDoc;
      if (list[0]) doc = await this.atf.scripts.open(list[0].id);
      else {
        doc = await this.atf.scripts.create('My strategy', localStorageDraft() ?? fallback);
        try {
          localStorage.removeItem(LEGACY_DRAFT_KEY);
        } catch {
          /* storage refused: the old draft stays behind, harmless */
        }
      }
      await this.show(doc);
      return doc.text;
    } catch (e) {
      this.error.textContent = `The scripts library could not be read: ${errorText(e)}`;
      return fallback;
    }
  }

  /** The editor the library fills (set once it exists). */
  attach(editor: LibraryEditor): void {
    this.editor = editor;
  }

  /** The editor's text changed: kept as the script's draft shortly after the last change. */
  onEdit(text: string): void {
    if (!this.doc) return;
    if (this.placed === text) {
      this.placed = null;
      return;
    }
    this.placed = null;
    this.doc.edited = text !== this.savedText;
    this.showState();
    if (this.draftTimer) clearTimeout(this.draftTimer);
    const id = this.doc.id;
    this.draftTimer = setTimeout(() => {
      this.draftTimer = null;
      void this.atf.scripts.saveDraft(id, text).catch((e: unknown) => (this.error.textContent = `The draft could not be kept: ${errorText(e)}`));
    }, DRAFT_DELAY_MS);
  }

  /** Saves the editor's text as the next version (nothing new when unchanged): the script and
   *  version it is now, or null without a library. */
  async save(): Promise<ScriptRef | null> {
    if (!this.doc || !this.editor) return null;
    if (this.draftTimer) clearTimeout(this.draftTimer);
    this.draftTimer = null;
    const text = this.editor.text();
    const version = await this.atf.scripts.save(this.doc.id, text);
    this.doc.version = version;
    this.savedText = text;
    this.doc.edited = false;
    await this.refreshVersions();
    this.showState();
    return { id: this.doc.id, name: this.doc.name, version };
  }

  /** Ctrl/⌘+S in the editor: Save (its error shown under the bar). */
  saveFromKeyboard(): void {
    void this.guard(() => this.save().then(() => undefined));
  }

  /** A script from elsewhere (a run's report, a shared link, a template, a file): the library
   *  script that has this exact text when there is one, else a new script named `name`. */
  async adopt(text: string, name: string): Promise<void> {
    if (!this.available || !this.editor) {
      this.editor?.setText(text);
      return;
    }
    await this.guard(async () => {
      const known = await this.atf.scripts.byHash(scriptHashOf(text));
      if (known) {
        const doc = await this.atf.scripts.open(known.id);
        await this.show(doc);
        // Another text than the script's current one is an edit of it (kept as its draft).
        if (doc.text !== text) this.editor?.setText(text);
        else this.place(text);
        this.state.textContent = `${known.name} v${known.version}${doc.text !== text ? ' (opened; saving makes it the newest version)' : ''}`;
        return;
      }
      const doc = await this.atf.scripts.create(name, text);
      await this.show(doc);
      this.place(text);
    });
  }

  // ---- the buttons --------------------------------------------------------------------------

  private async create(): Promise<void> {
    const names = new Set([...this.picker.options].map((o) => o.textContent ?? ''));
    let name = 'Untitled';
    for (let i = 2; names.has(name); i++) name = `Untitled ${i}`;
    await this.flushDraft();
    const doc = await this.atf.scripts.create(name, NEW_SCRIPT);
    await this.show(doc);
    this.place(doc.text);
    this.name.focus();
    this.name.select();
  }

  private async duplicate(): Promise<void> {
    if (!this.doc) return;
    await this.flushDraft();
    const doc = await this.atf.scripts.duplicate(this.doc.id, `${this.doc.name} copy`);
    await this.show(doc);
    this.place(doc.text);
    this.name.focus();
    this.name.select();
  }

  private async remove(): Promise<void> {
    if (!this.doc) return;
    const n = this.versions.length;
    if (!confirm(`Delete the script "${this.doc.name}" and its ${n} version${n === 1 ? '' : 's'}? Runs keep their own copy of the text.`)) return;
    if (this.draftTimer) clearTimeout(this.draftTimer);
    this.draftTimer = null;
    await this.atf.scripts.delete(this.doc.id);
    const next = (await this.atf.scripts.list())[0];
    const doc = next ? await this.atf.scripts.open(next.id) : await this.atf.scripts.create('My strategy', NEW_SCRIPT);
    await this.show(doc);
    this.place(doc.text);
  }

  private async rename(): Promise<void> {
    if (!this.doc) return;
    const name = this.name.value;
    await this.guard(async () => {
      await this.atf.scripts.rename(this.doc!.id, name);
      this.doc!.name = name.replace(/\s+/g, ' ').trim();
      await this.refreshList();
      this.showState();
    });
    if (this.error.textContent) this.name.value = this.doc.name;
  }

  private async switchTo(id: string): Promise<void> {
    if (!id || id === this.doc?.id) return;
    await this.guard(async () => {
      await this.flushDraft();
      const doc = await this.atf.scripts.open(id);
      await this.show(doc);
      this.place(doc.text);
    });
  }

  /** Puts a saved version's text in the editor (as edits: saving makes it the newest version). */
  private async openVersion(): Promise<void> {
    const v = Number(this.versionsSel.value);
    if (!this.doc || !v) return;
    await this.guard(async () => {
      const text = await this.atf.scripts.versionText(this.doc!.id, v);
      this.editor?.setText(text);
      this.state.textContent = v === this.doc!.version ? `v${v}` : `v${v} opened (saving makes it v${this.doc!.version + 1})`;
    });
  }

  // ---- internals ----------------------------------------------------------------------------

  /** Runs a library call, showing its error (a sentence) under the bar instead of throwing. */
  private async guard(fn: () => Promise<void>): Promise<void> {
    this.error.textContent = '';
    try {
      await fn();
    } catch (e) {
      this.error.textContent = errorText(e);
    }
  }

  /** Writes a pending draft now (before another script is opened). */
  private async flushDraft(): Promise<void> {
    if (!this.draftTimer || !this.doc || !this.editor) return;
    clearTimeout(this.draftTimer);
    this.draftTimer = null;
    await this.atf.scripts.saveDraft(this.doc.id, this.editor.text());
  }

  private place(text: string): void {
    if (!this.editor) return;
    if (this.editor.text() === text) return;
    this.placed = text;
    this.editor.setText(text);
  }

  private async show(doc: ScriptDoc): Promise<void> {
    this.doc = doc;
    this.savedText = doc.edited ? await this.atf.scripts.versionText(doc.id, doc.version) : doc.text;
    await this.refreshList();
    await this.refreshVersions();
    // The name last, with the state: the panel changes script in one step (storage answers
    // asynchronously, so a name shown first would sit beside the previous script's versions).
    this.name.value = doc.name;
    this.showState();
  }

  private async refreshList(): Promise<void> {
    const list = await this.atf.scripts.list();
    this.picker.replaceChildren(...list.map((s) => new Option(s.name, s.id)));
    if (this.doc) this.picker.value = this.doc.id;
  }

  private async refreshVersions(): Promise<void> {
    if (!this.doc) return;
    this.versions = await this.atf.scripts.versions(this.doc.id);
    this.versionsSel.replaceChildren(
      new Option(`Versions (${this.versions.length})`, ''),
      ...this.versions.map((v, i) => new Option(`v${v.version}${i === 0 ? ' (latest)' : ''} · ${dateTime(v.createdAt)}`, String(v.version))),
    );
    this.versionsSel.value = '';
  }

  private showState(): void {
    if (!this.doc) return;
    this.state.textContent = `v${this.doc.version}${this.doc.edited ? ' · edited (Save makes a new version)' : ' · saved'}`;
  }
}

/** The draft the page kept in localStorage before the library existed (null when none). */
function localStorageDraft(): string | null {
  try {
    return localStorage.getItem(LEGACY_DRAFT_KEY);
  } catch {
    return null;
  }
}
