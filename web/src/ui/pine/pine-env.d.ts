// Types for what the editor chunk takes from Vite: the generated built-ins list (JSON) and the
// example scripts of data/pine/ (import.meta.glob with ?raw, eager: their text).
declare module '*.json' {
  const value: unknown;
  export default value;
}

interface ImportMeta {
  glob(pattern: string, options: { query: '?raw'; import: 'default'; eager: true }): Record<string, string>;
}
