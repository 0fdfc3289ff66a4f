// Engine worker entry: wires the dispatcher to the worker's global scope. Module workers cannot
// importScripts(), so the Emscripten glue is imported as an ES module; a classic (non-ES6) glue
// gets an `export default` appended and is imported from a Blob URL.
/// <reference lib="webworker" />
import { EngineDispatcher, type EngineFactory } from './dispatcher';
import type { RequestEnvelope, WorkerMessage } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

class WorkerDispatcher extends EngineDispatcher {
  protected post(message: WorkerMessage, transfer: Transferable[] = []): void {
    self.postMessage(message, transfer);
  }

  protected async importFactory(glueUrl: string): Promise<EngineFactory> {
    const text = await (await fetch(glueUrl)).text();
    let url = glueUrl;
    if (!/\bexport\s+default\b/.test(text)) {
      url = URL.createObjectURL(new Blob([`${text}\nexport default createAtfEngine;\n`], { type: 'text/javascript' }));
    }
    const mod: { default: EngineFactory } = await import(/* @vite-ignore */ url);
    return mod.default;
  }
}

const dispatcher = new WorkerDispatcher();
// Requests are handled one at a time, in order: a run blocks this worker until it ends.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (event: MessageEvent<RequestEnvelope>) => {
  const envelope = event.data;
  queue = queue.then(() => dispatcher.handle(envelope));
};
