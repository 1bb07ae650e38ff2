import { asWorkflowId, type JsonValue, ScheduleNotFoundError, type WorkflowStore } from '@reprise/core';
import type { ScheduleDescription, ScheduleSummary } from '@reprise/engine';
import {
  CATALOG_HISTORY_ID,
  fireTimes,
  foldScheduleHistory,
  listedIds,
  type ScheduleRecord,
  scheduleHistoryId,
} from '@reprise/engine/internal';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { askWorkerIfRunning } from '../control/ask-worker.js';
import type { ScheduleAction } from '../control/protocol.js';
import { requireData, withExistingStore } from '../data-dir.js';
import { CliError } from '../errors.js';
import { printable } from '../format/printable.js';
import { coloursFor } from '../format/style.js';
import { renderTable } from '../format/table.js';
import { formatTimestamp, preview } from '../format/time.js';

/** How many next fire times a description lists, as the engine's `describe` does. */
const NEXT_FIRE_TIMES = 5;

/**
 * `reprise schedule list|describe|pause|resume|trigger|delete`: the schedules of the data.
 * `list` and `describe` are answered by the worker when one runs, else read from the schedules'
 * own histories in the store. The others change a schedule, which the worker's engine does (its
 * timers fire the schedule), so they need a worker.
 */
export function registerSchedule(program: Command, context: CommandContext): void {
  const schedule = program
    .command('schedule')
    .description('list, describe, pause, resume, trigger or delete schedules');

  schedule
    .command('list')
    .description('every schedule, by id')
    .option('--json', 'print the schedules as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const data = context.data(command);
      requireData(data);
      const live = await askWorkerIfRunning(data, { op: 'schedule', action: 'list' });
      const list =
        (live?.value as unknown as ScheduleSummary[] | undefined) ??
        (await withExistingStore(data, async (store) =>
          (await storedSchedules(store)).map((record) => summaryOfRecord(record)),
        ));
      if (options.json) {
        context.out(JSON.stringify(list, null, 2));
        return;
      }
      if (list.length === 0) {
        context.out('no schedules');
        return;
      }
      const colours = coloursFor();
      context.out(
        renderTable(
          ['SCHEDULE ID', 'SPEC', 'TYPE', 'STATE', 'NEXT FIRE'].map((title) => colours.bold(title)),
          list.map((row) => [
            printable(row.scheduleId),
            specText(row.spec),
            printable(row.workflowType),
            row.paused ? colours.yellow('paused') : 'active',
            row.nextFireAt === undefined ? '-' : formatTimestamp(row.nextFireAt),
          ]),
        ),
      );
    });

  schedule
    .command('describe')
    .description("a schedule's definition, state, next fires and recent actions")
    .argument('<scheduleId>', 'the schedule id')
    .option('--json', 'print the description as JSON')
    .action(async (scheduleId: string, options: { json?: boolean }, command: Command) => {
      const data = context.data(command);
      requireData(data);
      const live = await askWorkerIfRunning(data, { op: 'schedule', action: 'describe', scheduleId });
      const description =
        (live?.value as unknown as ScheduleDescription | undefined) ??
        (await withExistingStore(data, async (store) => {
          const record = foldScheduleHistory(
            await store.readHistory(asWorkflowId(scheduleHistoryId(scheduleId))),
          );
          if (!record || record.deleted) throw new ScheduleNotFoundError(scheduleId);
          return descriptionOfRecord(store, record);
        }));
      if (options.json) {
        context.out(JSON.stringify(description, null, 2));
        return;
      }
      const rows: [string, string][] = [
        ['schedule', printable(description.scheduleId)],
        ['spec', specText(description.spec)],
        ['type', printable(description.workflowType)],
        ['input', preview(description.input, 100)],
        [
          'state',
          description.paused ? `paused${description.note ? ` (${description.note})` : ''}` : 'active',
        ],
        ['overlap', description.overlap],
        ['catch-up', description.catchUp],
        ['next fires', description.nextFireTimes.map(formatTimestamp).join(', ') || '-'],
        ['answered', live ? `live from ${live.name}` : 'read from the store (no worker is running)'],
      ];
      const width = Math.max(...rows.map(([key]) => key.length));
      context.out(rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n'));
      if (description.recentActions.length > 0) {
        context.out('recent actions:');
        for (const action of description.recentActions) {
          context.out(
            action.kind === 'fired'
              ? `  ${formatTimestamp(action.fireAt)}  ${action.cause}  ${printable(action.workflowId)}  ${action.status}`
              : `  ${formatTimestamp(action.from)}..${formatTimestamp(action.upTo)}  skipped (${action.reason})`,
          );
        }
      }
    });

  const change = (action: Exclude<ScheduleAction, 'list' | 'describe'>, description: string, done: string) =>
    schedule
      .command(action)
      .description(`${description} (needs a worker)`)
      .argument('<scheduleId>', 'the schedule id')
      .option('--json', 'print the answer as JSON')
      .action(async (scheduleId: string, options: { json?: boolean; note?: string }, command: Command) => {
        const data = context.data(command);
        requireData(data);
        const answer = await askWorkerIfRunning(data, {
          op: 'schedule',
          action,
          scheduleId,
          ...(options.note === undefined ? {} : { note: options.note }),
        });
        if (!answer) {
          throw new CliError(
            'no_worker',
            `no worker is running on ${data}; schedules run in a worker, so start one to ${action} ${scheduleId}`,
          );
        }
        const value: JsonValue = answer.value;
        if (options.json) {
          context.out(JSON.stringify({ scheduleId, action, ...(value === null ? {} : { result: value }) }));
          return;
        }
        context.out(`${done} ${printable(scheduleId)}${value === null ? '' : `: ${JSON.stringify(value)}`}`);
      });

  change('pause', 'pause a schedule: no fires until resumed', 'paused').option(
    '--note <text>',
    'why, kept with the pause',
  );
  change(
    'resume',
    'resume a paused schedule (fires missed while paused are not caught up)',
    'resumed',
  ).option('--note <text>', 'kept with the resume');
  change('trigger', 'start one workflow of the schedule now', 'triggered');
  change('delete', 'delete a schedule (workflows it started go on)', 'deleted');
}

/** Every schedule the catalog lists and whose history is not deleted, by id. */
async function storedSchedules(store: WorkflowStore): Promise<ScheduleRecord[]> {
  const ids = [...listedIds(await store.readHistory(asWorkflowId(CATALOG_HISTORY_ID)))].sort();
  const records: ScheduleRecord[] = [];
  for (const id of ids) {
    const record = foldScheduleHistory(await store.readHistory(asWorkflowId(scheduleHistoryId(id))));
    if (record && !record.deleted) records.push(record);
  }
  return records;
}

function nextFires(record: ScheduleRecord, count: number): number[] {
  if (record.paused) return [];
  const times = fireTimes(record.definition.spec);
  const next: number[] = [];
  for (let at = times.after(record.cursor); at !== undefined && next.length < count; at = times.after(at)) {
    next.push(at);
  }
  return next;
}

function summaryOfRecord(record: ScheduleRecord): ScheduleSummary {
  const [nextFireAt] = nextFires(record, 1);
  return {
    scheduleId: record.scheduleId,
    spec: record.definition.spec,
    workflowType: record.definition.workflowType,
    paused: record.paused,
    ...(nextFireAt === undefined ? {} : { nextFireAt }),
  };
}

/**
 * A description from the schedule's history, as the engine would give it before taking the
 * fires due since the last worker stopped; a fire's status is its workflow's in the store.
 */
async function descriptionOfRecord(
  store: WorkflowStore,
  record: ScheduleRecord,
): Promise<ScheduleDescription> {
  const { definition } = record;
  return {
    ...summaryOfRecord(record),
    input: definition.input,
    ...(definition.searchAttributes === undefined ? {} : { searchAttributes: definition.searchAttributes }),
    overlap: definition.overlap,
    catchUp: definition.catchUp,
    catchUpWindow: definition.catchUpWindow,
    note: record.note,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    nextFireTimes: nextFires(record, NEXT_FIRE_TIMES),
    openWorkflows: [],
    waiting: [],
    recentActions: await Promise.all(
      record.recent.map(async (action) =>
        action.kind === 'fired'
          ? {
              ...action,
              status: (await store.getSummary(action.workflowId))?.status ?? ('NotStarted' as const),
            }
          : action,
      ),
    ),
  };
}

function specText(spec: ScheduleSummary['spec']): string {
  return 'cron' in spec
    ? `cron ${spec.cron}${spec.timezone ? ` (${spec.timezone})` : ''}`
    : `every ${spec.every} ms`;
}
