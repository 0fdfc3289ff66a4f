#!/usr/bin/env node
// Extracts the Pine built-ins the engine registers (engine/src/pine/builtins/**/*.cpp:
// reg.function("sig", "doc", ...), reg.constant("name", ...), reg.string_constant("name", ...))
// into src/ui/pine/builtins.json, the editor's completion list. The input.* functions are the
// compiler's own (compiler.cpp input_decl), listed here. Run after changing the built-ins:
//   node web/scripts/gen-pine-builtins.mjs          (the output is committed; the build reads it)
//   node web/scripts/gen-pine-builtins.mjs --check  (exit 1 when the committed file is out of date)
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = join(root, 'engine/src/pine/builtins');
const out = fileURLToPath(new URL('../src/ui/pine/builtins.json', import.meta.url));

const files = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? files(join(d, f)) : f.endsWith('.cpp') ? [join(d, f)] : []));

/** Reads one call argument at text[i...] up to its comma or closing parenthesis (depth 0):
 *  [text, end, literal] where string literals are kept and any other operand (a variable, a
 *  parameter list built at run time) becomes "…"; `literal` is false when nothing was a literal. */
function argument(text, i) {
  let s = '';
  let depth = 0;
  let literal = false;
  let pending = false;
  for (;;) {
    const c = text[i];
    if (c === undefined) return [s, i, literal];
    if (c === '"') {
      if (pending) s += '…';
      pending = false;
      literal = true;
      i++;
      while (text[i] !== '"') {
        if (text[i] === '\\') {
          const e = text[i + 1];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
        } else s += text[i++];
      }
      i++;
      continue;
    }
    if (depth === 0 && (c === ',' || c === ')')) {
      if (pending) s += '…';
      return [s, i, literal];
    }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (/[A-Za-z_]/.test(c)) {
      const id = /^[A-Za-z_][\w:]*/.exec(text.slice(i))[0];
      i += id.length;
      // std::string("...") is a literal in a wrapper; anything else is a value made at run time.
      if (!/^std::string$/.test(id)) pending = true;
      continue;
    }
    i++;
  }
}

const entries = new Map();
const add = (name, sig, doc, kind) => {
  const e = entries.get(name);
  if (e) {
    if (sig && !e.sigs.includes(sig)) e.sigs.push(sig);
    if (!e.doc && doc) e.doc = doc;
    return;
  }
  entries.set(name, { name, kind, sigs: sig ? [sig] : [], doc: doc ?? '' });
};

for (const f of files(dir).sort()) {
  const text = readFileSync(f, 'utf8');
  for (const m of text.matchAll(/reg\.(function|constant|string_constant)\(/g)) {
    const [value, end, literal] = argument(text, m.index + m[0].length);
    if (!literal) continue;
    if (m[1] === 'function') {
      let doc = '';
      if (text[end] === ',') doc = argument(text, end + 1)[0];
      let sig = value.replace(/\s+/g, ' ');
      const trades = /^…\((.*)$/.exec(sig);
      if (trades) {
        // strategy.cpp register_trades: ns + name + "(...)" for both namespaces; the names are
        // the first argument of the num/integer/text helper calls.
        const ret = /-> (.*)$/.exec(sig)?.[1] ?? 'series float';
        const helper = ret.endsWith('float') ? 'num' : ret.endsWith('int') ? 'integer' : 'text';
        for (const t of text.matchAll(new RegExp(`^\\s*${helper}\\("(\\w+)",[^"]*"([^"]*)"`, 'gm'))) {
          for (const ns of ['strategy.opentrades.', 'strategy.closedtrades.']) {
            add(`${ns}${t[1]}`, `${ns}${t[1]}(series int trade_num) -> ${ret}`, `${t[2]} of the trade trade_num (0 = oldest).`, 'function');
          }
        }
        continue;
      }
      const name = /^([\w.]+)\(/.exec(sig)?.[1];
      if (!name) continue;
      sig = sig.replace(/\(…\)|\(…,/, (x) => x.replace('…', '...'));
      add(name, sig, doc.replace(/\s+/g, ' ').replace(/…/g, ''), 'function');
    } else {
      let type = m[1] === 'string_constant' ? 'const string' : '';
      if (m[1] === 'constant' && text[end] === ',') type = argument(text, end + 1)[0];
      add(value, type ? `${value}: ${type}` : value, '', 'constant');
    }
  }
}

const num = (k) => `input.${k}(const ${k === 'int' ? 'int' : 'float'} defval, const string title = na, const ${k === 'int' ? 'int' : 'float'} minval = na, const ${k === 'int' ? 'int' : 'float'} maxval = na, const ${k === 'int' ? 'int' : 'float'} step = na, const string tooltip = na, const string group = na) -> input ${k}`;
const inputs = [
  ['input', 'input(const defval, const string title = na) -> input (type of defval)', 'An input whose type is the default\'s.'],
  ['input.int', num('int'), 'An integer input: a parameter of the run and an optimization axis.'],
  ['input.float', num('float'), 'A float input: a parameter of the run and an optimization axis.'],
  ['input.bool', 'input.bool(const bool defval, const string title = na, const string tooltip = na) -> input bool', 'A true/false input.'],
  ['input.string', 'input.string(const string defval, const string title = na, const string[] options = na) -> input string', 'A text input, optionally one of `options`.'],
  ['input.source', 'input.source(series float defval, const string title = na) -> series float', 'A price source: open, high, low, close, hl2, hlc3, ohlc4, hlcc4.'],
  ['input.price', 'input.price(const float defval, const string title = na) -> input float', 'A price level input.'],
  ['input.time', 'input.time(const int defval, const string title = na) -> input int', 'A time input (UTC ms).'],
  ['input.color', 'input.color(const color defval, const string title = na) -> input color', 'A colour input.'],
  ['input.session', 'input.session(const string defval, const string title = na) -> input string', 'A session input ("0930-1600").'],
  ['input.timeframe', 'input.timeframe(const string defval, const string title = na) -> input string', 'A timeframe input.'],
  ['input.symbol', 'input.symbol(const string defval, const string title = na) -> input string', 'A symbol input.'],
  ['input.text_area', 'input.text_area(const string defval, const string title = na) -> input string', 'A multi-line text input.'],
];
for (const [name, sig, doc] of inputs) add(name, sig, doc, 'function');
// str.format's overloads are built at run time (str.cpp register_format_one).
add('str.format', 'str.format(string formatString, ...) -> string', "Formats the arguments into formatString's {0}, {1}, ... placeholders.", 'function');

const list = [...entries.values()].sort((a, b) => a.name.localeCompare(b.name));
const text = `${JSON.stringify(list, null, 0).replace(/\},\{/g, '},\n{')}\n`;
if (process.argv.includes('--check')) {
  const same = existsSync(out) && readFileSync(out, 'utf8') === text;
  console.log(same ? `${out} is up to date (${list.length} built-ins)` : `${out} is out of date: run node web/scripts/gen-pine-builtins.mjs`);
  process.exit(same ? 0 : 1);
}
writeFileSync(out, text);
console.log(`${list.length} built-ins -> ${out}`);
