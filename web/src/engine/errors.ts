// Typed errors of the JS API (the spec's 400/404/409) and the clone-safe form errors take over
// postMessage. Every error thrown by the client is one of these classes.

/** A failure reported by the engine or a worker: `code` is the engine's error code ("validation",
 *  "import", "runtime", …) or "trap" (a Wasm RuntimeError) / "worker" (a worker died). */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    message: string,
    readonly code: string,
    readonly wasmStack?: string,
  ) {
    super(message);
  }
}

/** Invalid input (400): `field` names the offending request field, e.g. "broker.cash". */
export class ValidationError extends Error {
  override name = 'ValidationError';
  /** Where in a script (field "script") or a file the error is, 1-based, when known. */
  line?: number;
  column?: number;
  constructor(
    readonly field: string,
    message: string,
    where?: { line?: number | undefined; column?: number | undefined },
  ) {
    super(message);
    if (where?.line) this.line = where.line;
    if (where?.column) this.column = where.column;
  }
}

/** Unknown run id (404). */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(readonly id: string) {
    super(`run ${id} not found`);
  }
}

/** The run's state forbids the operation (409), e.g. cancel of a Completed run. */
export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(
    readonly id: string,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

/** What crosses postMessage for an error (Error objects do not clone reliably everywhere). */
export interface SerializedError {
  name: string;
  message: string;
  code: string;
  stack?: string;
  field?: string;
  /** A script's compile error: where it is (1-based). */
  line?: number;
  column?: number;
  /** Optimization trap: the combination index that was running. */
  trialIndex?: number;
}

export function serializeError(e: unknown, code = 'internal'): SerializedError {
  if (e instanceof WebAssembly.RuntimeError) {
    return { name: 'RuntimeError', message: e.message, code: 'trap', stack: e.stack ?? '' };
  }
  if (e instanceof Error) return { name: e.name, message: e.message, code, stack: e.stack ?? '' };
  return { name: 'Error', message: String(e), code };
}
