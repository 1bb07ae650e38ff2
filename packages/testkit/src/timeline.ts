import type { WorkflowEvent } from '@reprise/core';
import { type TimelineMark, timelineLines } from '@reprise/core/internal';

// The one timeline renderer lives in core; the testkit's names for it stay as they were.
export {
  briefDuration,
  briefError,
  briefJson,
  describeEvent,
  renameRuns,
  type TimelineMark,
} from '@reprise/core/internal';

/**
 * A history as the checks print it: core's `timelineLines` as one string, the event at
 * `mark.seq` (or the place after the last event) marked with its note.
 */
export const formatTimeline = (history: readonly WorkflowEvent[], mark?: TimelineMark): string =>
  timelineLines(history, mark ? { mark } : {}).join('\n');
