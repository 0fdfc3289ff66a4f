// Structured run log (spec T047): one record per transition, to the console and to a bounded
// in-memory list the UI can show.
import type { LogRecord } from './types';

export class RunLog {
  private readonly records: LogRecord[] = [];
  private readonly listeners = new Set<(r: LogRecord) => void>();

  constructor(
    private readonly capacity = 1000,
    private readonly toConsole = true,
  ) {}

  write(record: Omit<LogRecord, 'time'>): LogRecord {
    const full: LogRecord = { time: new Date().toISOString(), ...record };
    this.records.push(full);
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
    if (this.toConsole) {
      const line = JSON.stringify(full);
      if (full.event === 'run_failed' || full.event === 'trial_failed' || full.event === 'worker_replaced') console.warn('[atf]', line);
      else console.info('[atf]', line);
    }
    for (const l of this.listeners) l(full);
    return full;
  }

  /** The newest records last; a copy. */
  entries(runId?: string): LogRecord[] {
    return this.records.filter((r) => runId === undefined || r.runId === runId);
  }

  subscribe(listener: (r: LogRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
