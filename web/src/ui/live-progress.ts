// One reading of a run's progress counters per animation frame, shared by every view that shows
// them (the side panel's progress view, a report's live line, the runs list). Workers write the
// board between two reads, so views that each read it would show different counts at the same
// moment; callbacks of one frame get the same timestamp, which keys the shared reading.
import type { AtfApi } from '../engine/api';

/** What the progress board says about one run (atf.progress's answer). */
export type ProgressReading = NonNullable<ReturnType<AtfApi['progress']>>;

const readings = new Map<string, { frame: number; value: ProgressReading | null }>();

/** The run's counters as read in the animation frame `frame` (the timestamp given to
 *  requestAnimationFrame callbacks): the first view to ask reads the board, the others of the same
 *  frame get the same reading. Null once the run left the live store. */
export function frameProgress(atf: AtfApi, id: string, frame: number): ProgressReading | null {
  const hit = readings.get(id);
  if (hit && hit.frame === frame) return hit.value;
  const value = atf.progress(id);
  readings.set(id, { frame, value });
  // Finished runs are not asked about again: keep the map small.
  if (readings.size > 64) for (const [k, v] of readings) if (v.frame !== frame) readings.delete(k);
  return value;
}
