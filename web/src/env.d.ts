declare module 'virtual:atf-assets' {
  /** Site-relative paths of the engine glue, the .wasm and the bundled sample CSVs (by file name). */
  export const assets: { glue: string; wasm: string; samples: Record<string, string> };
}

declare module '*?url' {
  /** A URL of the file, emitted with a content hash (Vite). */
  const url: string;
  export default url;
}

declare module '*?raw' {
  /** The file's text (Vite). */
  const text: string;
  export default text;
}
