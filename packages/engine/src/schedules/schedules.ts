import type { ScheduleHost } from './host.js';

/**
 * `engine.schedules`: cron and interval starts with overlap and catch-up policies.
 * Placeholder while the schedule service is being written (issue 9); no method is usable yet.
 */
export class Schedules {
  constructor(readonly host: ScheduleHost) {}

  /** Resumes every stored schedule (called by Engine.create). */
  async recover(): Promise<void> {}

  /** Stops firing (called by engine.shutdown). */
  stop(): void {}
}
