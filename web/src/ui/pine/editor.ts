// The Pine Script editor (CodeMirror 6), loaded on demand (a chunk of its own: the new-run panel
// imports it dynamically when Script mode opens). A stream-mode Pine language (keywords, types,
// namespaces, strings, comments, numbers, #RRGGBB colours; indentation of 4 after `=>` and block
// heads), bracket matching, completion of the engine's built-ins (builtins.json, generated from
// the engine sources by scripts/gen-pine-builtins.mjs) and the engine compiler's diagnostics as
// lint markers (the check runs in the control worker, debounced).
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, type Completion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, HighlightStyle, indentUnit, StreamLanguage, syntaxHighlighting, type StringStream } from '@codemirror/language';
import { linter, lintGutter, lintKeymap, type Diagnostic } from '@codemirror/lint';
import { EditorState, Prec } from '@codemirror/state';
import { drawSelection, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers, placeholder } from '@codemirror/view';
import { tags as t } from '@lezer/highlight';
import { EditorView } from 'codemirror';
import type { ScriptCheck } from '../../engine/types';
import builtins from './builtins.json';

interface Builtin {
  name: string;
  kind: 'function' | 'constant';
  sigs: string[];
  doc: string;
}

const KEYWORDS = new Set(['if', 'else', 'for', 'to', 'by', 'while', 'switch', 'var', 'varip', 'import', 'export', 'method', 'type', 'return', 'break', 'continue', 'in', 'and', 'or', 'not', 'enum']);
const TYPES = new Set(['int', 'float', 'bool', 'string', 'color', 'line', 'label', 'box', 'table', 'array', 'matrix', 'map', 'series', 'simple', 'const', 'void']);
const ATOMS = new Set(['true', 'false', 'na']);
const NAMESPACES = new Set(['ta', 'math', 'strategy', 'input', 'array', 'str', 'color', 'request', 'timeframe', 'syminfo', 'barstate', 'format', 'order', 'currency', 'runtime', 'chart', 'session', 'plot', 'hline', 'location', 'shape', 'size', 'display', 'extend', 'xloc', 'yloc', 'position', 'matrix', 'map', 'line', 'label', 'box', 'table', 'dayofweek', 'alert']);
const BUILTIN_VARS = new Set(['open', 'high', 'low', 'close', 'volume', 'hl2', 'hlc3', 'ohlc4', 'hlcc4', 'bar_index', 'time', 'time_close', 'last_bar_index', 'year', 'month', 'weekofyear', 'dayofmonth', 'hour', 'minute', 'second', 'timenow']);
const BLOCK_HEADS = new Set(['if', 'else', 'for', 'while', 'switch']);

interface PineState {
  /** Indentation of the last non-blank line tokenized. */
  indent: number;
  /** That line opens a block (if/else/for/while/switch) or ends with `=>`. */
  opens: boolean;
  arrow: boolean;
  /** Whether a token other than a comment was seen on that line (comment lines do not count). */
  code: boolean;
  /** Indentation and state of the line before (restored when a line is only a comment). */
  prev: { indent: number; opens: boolean; arrow: boolean } | null;
  /** After a `.`: the next name is a member. */
  member: boolean;
}

function token(stream: StringStream, state: PineState): string | null {
  if (stream.sol()) {
    state.prev = state.code ? { indent: state.indent, opens: state.opens, arrow: state.arrow } : state.prev;
    state.indent = stream.indentation();
    state.opens = false;
    state.arrow = false;
    state.code = false;
  }
  if (stream.eatSpace()) return null;
  if (stream.match('//')) {
    stream.skipToEnd();
    // A comment-only line keeps the previous line's indentation state.
    if (!state.code && state.prev) {
      state.indent = state.prev.indent;
      state.opens = state.prev.opens;
      state.arrow = state.prev.arrow;
      state.code = true;
    }
    return 'comment';
  }
  state.code = true;
  state.arrow = false;
  const member = state.member;
  state.member = false;
  const ch = stream.peek() ?? '';
  if (ch === '"' || ch === "'") {
    stream.next();
    let escaped = false;
    let c: string | void;
    while ((c = stream.next()) !== undefined) {
      if (c === ch && !escaped) break;
      escaped = !escaped && c === '\\';
    }
    return 'string';
  }
  if (stream.match(/^#[0-9a-fA-F]{6}(?:[0-9a-fA-F]{2})?\b/)) return 'color';
  if (stream.match(/^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/)) return 'number';
  if (stream.match('=>')) {
    state.arrow = true;
    return 'operator';
  }
  if (stream.match(/^(?::=|\+=|-=|\*=|\/=|%=|==|!=|<=|>=|[-+*/%<>=?:])/)) return 'operator';
  if (ch === '.') {
    stream.next();
    state.member = true;
    return 'punctuation';
  }
  const word = stream.match(/^[A-Za-z_]\w*/) as RegExpMatchArray | null;
  if (word) {
    const w = word[0];
    const call = stream.match(/^\s*\(/, false) !== null;
    if (member) return call ? 'function' : 'property';
    if (KEYWORDS.has(w)) {
      if (BLOCK_HEADS.has(w)) state.opens = true;
      return 'keyword';
    }
    if (ATOMS.has(w)) return 'atom';
    if (stream.match(/^\s*\./, false) && NAMESPACES.has(w)) return 'namespace';
    if (TYPES.has(w) && !call) return 'type';
    if (call) return w === 'strategy' || w === 'indicator' || w === 'library' ? 'declaration' : 'function';
    if (BUILTIN_VARS.has(w)) return 'builtin';
    return 'variable';
  }
  stream.next();
  return /[()[\]{},]/.test(ch) ? 'bracket' : null;
}

export const pineLanguage = StreamLanguage.define<PineState>({
  name: 'pine',
  startState: () => ({ indent: 0, opens: false, arrow: false, code: false, prev: null, member: false }),
  copyState: (s) => ({ ...s, prev: s.prev ? { ...s.prev } : null }),
  token,
  indent(state, textAfter, cx) {
    // After `=>` or a block head: one unit deeper; `else` lines up with its `if`.
    const opens = state.opens || state.arrow;
    const base = state.indent + (opens ? cx.unit : 0);
    return /^\s*else\b/.test(textAfter) && !opens ? Math.max(0, base - cx.unit) : base;
  },
  languageData: { commentTokens: { line: '//' }, closeBrackets: { brackets: ['(', '[', '{', '"', "'"] }, indentOnInput: /^\s*else$/ },
  tokenTable: {
    namespace: t.namespace,
    builtin: t.standard(t.variableName),
    function: t.function(t.variableName),
    declaration: t.definitionKeyword,
    property: t.propertyName,
    color: t.color,
    variable: t.variableName,
  },
});

const pineHighlight = HighlightStyle.define([
  { tag: [t.keyword, t.definitionKeyword, t.operatorKeyword], color: 'var(--pine-keyword)', fontWeight: '600' },
  { tag: t.typeName, color: 'var(--pine-type)' },
  { tag: t.namespace, color: 'var(--pine-namespace)' },
  { tag: [t.function(t.variableName), t.propertyName], color: 'var(--pine-function)' },
  { tag: t.standard(t.variableName), color: 'var(--pine-builtin)' },
  { tag: t.string, color: 'var(--pine-string)' },
  { tag: t.number, color: 'var(--pine-number)' },
  { tag: t.color, color: 'var(--pine-color)' },
  { tag: t.atom, color: 'var(--pine-atom)' },
  { tag: t.comment, color: 'var(--muted)', fontStyle: 'italic' },
  { tag: t.operator, color: 'var(--pine-operator)' },
]);

const theme = EditorView.theme({
  '&': { backgroundColor: 'var(--panel)', color: 'var(--text)', fontSize: '13px', border: '1px solid var(--border)', borderRadius: '6px' },
  '&.cm-focused': { outline: '2px solid var(--focus)', outlineOffset: '1px' },
  '.cm-scroller': { fontFamily: "ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace", lineHeight: '1.5' },
  '.cm-content': { caretColor: 'var(--text)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--text)' },
  '.cm-gutters': { backgroundColor: 'var(--panel-2)', color: 'var(--muted)', borderRight: '1px solid var(--border)', borderRadius: '6px 0 0 6px' },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--accent) 6%, transparent)' },
  '.cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--accent) 12%, transparent)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: 'color-mix(in srgb, var(--accent) 28%, transparent) !important' },
  '&.cm-focused .cm-matchingBracket': { backgroundColor: 'color-mix(in srgb, var(--up) 30%, transparent)', outline: 'none' },
  '&.cm-focused .cm-nonmatchingBracket': { backgroundColor: 'color-mix(in srgb, var(--down) 30%, transparent)' },
  '.cm-tooltip': { backgroundColor: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--text)' },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': { backgroundColor: 'var(--accent)', color: 'var(--accent-text)' },
  '.cm-completionDetail': { color: 'var(--muted)', fontStyle: 'normal', marginLeft: '0.6em' },
  '.cm-tooltip.cm-completionInfo': { maxWidth: '26rem', whiteSpace: 'pre-wrap', fontSize: '12px' },
  '.cm-diagnostic': { whiteSpace: 'pre-wrap' },
  '.cm-panels': { backgroundColor: 'var(--panel-2)', color: 'var(--text)' },
});

const ENTRIES = (builtins as Builtin[]).map(
  (b): Completion => ({
    label: b.name,
    type: b.kind === 'constant' ? 'constant' : 'function',
    detail: b.sigs[0]?.replace(/^[\w.]+/, '').replace(/^: /, '').slice(0, 70) ?? '',
    info: [...b.sigs, b.doc].filter(Boolean).join('\n'),
    ...(b.kind === 'function' ? { apply: b.name } : {}),
  }),
);
const WORDS: Completion[] = [
  ...[...KEYWORDS].map((k) => ({ label: k, type: 'keyword' })),
  ...[...TYPES].map((k) => ({ label: k, type: 'type' })),
  ...[...BUILTIN_VARS, ...ATOMS].map((k) => ({ label: k, type: 'variable' })),
  { label: 'plot', type: 'function', detail: '(series float series, const string title = "", color color = na, ...)', info: 'Draws the series on the chart (overlay) or in a pane below it.' },
  { label: 'strategy', type: 'function', detail: '(const string title, bool overlay = false, ...)', info: 'Declares the script a strategy: its title and broker defaults.' },
  { label: 'nz', type: 'function', detail: '(source, replacement = 0)', info: 'source, or replacement where it is na.' },
  { label: 'na', type: 'function', detail: '(x) -> bool', info: 'Whether x is na.' },
];

/** Completion of namespaced built-ins (`ta.`, `math.`, `strategy.`, `input.`, `array.`, `str.`, …)
 *  and of keywords, types and built-in variables. */
function complete(cx: CompletionContext): CompletionResult | null {
  const word = cx.matchBefore(/[A-Za-z_][\w.]*/);
  if (!word || (word.from === word.to && !cx.explicit)) return null;
  // Inside a comment or a string: nothing.
  const line = cx.state.doc.lineAt(cx.pos);
  const before = line.text.slice(0, cx.pos - line.from);
  if (/\/\//.test(before.replace(/"[^"]*"|'[^']*'/g, '')) || (before.split('"').length - 1) % 2 === 1) return null;
  const dotted = word.text.includes('.');
  const options = dotted ? ENTRIES : [...ENTRIES, ...WORDS];
  return { from: word.from, options, validFor: /^[\w.]*$/ };
}

export interface PineEditorOptions {
  doc: string;
  /** Compiles the text (in the control worker). */
  check: (text: string) => Promise<ScriptCheck>;
  /** Each check's answer, for the inputs form (only the answer for the current text). */
  onCheck: (text: string, result: ScriptCheck | null, error?: unknown) => void;
  onChange: (text: string) => void;
  /** Ctrl/Cmd+Enter. */
  onRun: () => void;
  label?: string;
}

export interface PineEditor {
  view: EditorView;
  text(): string;
  setText(text: string): void;
  focus(): void;
  destroy(): void;
}

/** Lint markers from the engine's diagnostics (line and column are 1-based). */
export function diagnosticsOf(state: EditorState, result: ScriptCheck): Diagnostic[] {
  const doc = state.doc;
  return result.diagnostics.map((d) => {
    const line = doc.line(Math.min(Math.max(1, d.line || 1), doc.lines));
    const from = Math.min(line.to, line.from + Math.max(0, (d.column || 1) - 1));
    const rest = line.text.slice(from - line.from);
    const word = /^[\w.]+/.exec(rest)?.[0].length ?? 1;
    const to = Math.min(line.to, from + word);
    const severity = d.severity === 'warning' ? 'warning' : d.severity === 'info' ? 'info' : 'error';
    return { from, to: to > from ? to : from, severity, message: `${d.line}:${d.column}: ${d.message}`, source: 'engine' };
  });
}

export function createPineEditor(parent: HTMLElement, opts: PineEditorOptions): PineEditor {
  const engineLint = linter(
    async (view) => {
      const text = view.state.doc.toString();
      try {
        const result = await opts.check(text);
        // A newer text is being checked: its answer will do.
        if (view.state.doc.toString() !== text) return [];
        opts.onCheck(text, result);
        return diagnosticsOf(view.state, result);
      } catch (e) {
        opts.onCheck(text, null, e);
        return [];
      }
    },
    { delay: 300 },
  );
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: opts.doc,
      extensions: [
        Prec.highest(keymap.of([{ key: 'Mod-Enter', run: () => (opts.onRun(), true), preventDefault: true }])),
        lineNumbers(),
        highlightActiveLineGutter(),
        history(),
        drawSelection(),
        indentUnit.of('    '),
        EditorState.tabSize.of(4),
        pineLanguage,
        syntaxHighlighting(pineHighlight),
        bracketMatching(),
        closeBrackets(),
        autocompletion({ override: [complete], icons: false }),
        highlightActiveLine(),
        placeholder('//@version=6\nstrategy("My strategy", overlay = true)\n…'),
        engineLint,
        lintGutter(),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap, indentWithTab]),
        theme,
        EditorView.contentAttributes.of({ 'aria-label': opts.label ?? 'Pine Script source', spellcheck: 'false', autocapitalize: 'off', autocorrect: 'off' }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) opts.onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}

/** The example scripts of data/pine/ (read-only starting points), by file name. */
const TEMPLATE_FILES = import.meta.glob('../../../../data/pine/*.pine', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
export const TEMPLATES: Array<{ name: string; text: string }> = Object.entries(TEMPLATE_FILES)
  .map(([path, text]) => ({ name: path.replace(/^.*\//, '').replace(/\.pine$/, ''), text }))
  .sort((a, b) => a.name.localeCompare(b.name));
