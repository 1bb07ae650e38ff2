// One damaged record (a stored value whose checksum fails) must cost one workflow, not the
// engine: the damaged run is quarantined where the damage is first read (Engine.create reads
// each open run's row; a history only when the run is replayed), the rest are brought back, and
// the quarantined one is shown as corrupt, with its key, by list and describe; calls on it get
// StoreCorruption.
import { defineWorkflow, StoreCorruption } from '@reprise/core';
import { damageStoredValue } from '@reprise/testkit/internal';
import { lmdbDir, lmdbEngine } from './fixtures/lmdb-env.js';

const waiter = defineWorkflow('waiter', async (ctx, marker: string) => {
  const word = await ctx.waitForSignal<string>('go');
  return `${marker}: ${word}`;
});

/** A logger that keeps what the engine warned of. */
function recordingLogger() {
  const warnings: { message: string; details?: Record<string, unknown> }[] = [];
  return {
    warnings,
    logger: {
      warn: (message: string, details?: Record<string, unknown>) => warnings.push({ message, details }),
    },
    quarantined: () =>
      warnings
        .filter((warning) => warning.message.startsWith('workflow quarantined'))
        .map((w) => w.details?.key),
  };
}

async function seed(dir: string): Promise<void> {
  const first = await lmdbEngine(dir, { workflows: [waiter] });
  for (const id of ['history-victim', 'row-victim', 'bystander']) {
    await first.engine.start(waiter, `MARKER-${id}`, { workflowId: id });
  }
  await first.idle();
  await first.close();
}

it('a damaged history quarantines its run; the others recover and complete', async () => {
  const dir = lmdbDir();
  await seed(dir);
  // The input is in the run's first event (its WorkflowStarted).
  damageStoredValue(dir, 'MARKER-history-victim');

  const log = recordingLogger();
  const second = await lmdbEngine(dir, { workflows: [waiter], logger: log.logger });
  // The run only waits: recovery leaves it in the store, and its history is read at its wake.
  expect(log.quarantined()).toEqual([]);
  const { engine } = second;
  await expect(engine.getHandle('history-victim').signal('go', 'wake')).rejects.toMatchObject({
    code: 'store_corruption',
    key: 'history ["history-victim",1]',
  });
  expect(log.quarantined()).toEqual(['history ["history-victim",1]']);
  await engine.getHandle('bystander').signal('go', 'yes');
  expect(await engine.getHandle('bystander').result()).toBe('MARKER-bystander: yes');
  await engine.getHandle('row-victim').signal('go', 'also');
  expect(await engine.getHandle('row-victim').result()).toBe('MARKER-row-victim: also');

  const { items } = await engine.list({ status: 'Running' });
  expect(items.map((item) => item.workflowId)).toEqual(['history-victim']);
  expect(items[0]?.corrupt).toEqual({
    key: 'history ["history-victim",1]',
    reason: expect.stringMatching(/checksum mismatch/),
  });
  const victim = engine.getHandle('history-victim');
  await expect(victim.signal('go', 'no')).rejects.toBeInstanceOf(StoreCorruption);
  await expect(victim.result()).rejects.toMatchObject({
    code: 'store_corruption',
    key: 'history ["history-victim",1]',
  });
  await expect(victim.describe()).rejects.toBeInstanceOf(StoreCorruption);
  await expect(victim.pause()).rejects.toBeInstanceOf(StoreCorruption);
  await expect(victim.executeUpdate('anything', null)).rejects.toBeInstanceOf(StoreCorruption);
  await expect(victim.terminate('no')).rejects.toBeInstanceOf(StoreCorruption);
  await second.close();
});

it('a damaged workflow row quarantines its run when Engine.create reads it, and is listed with its key', async () => {
  const dir = lmdbDir();
  await seed(dir);
  // The row holds the summary, whose search attributes are empty; its id marks it.
  damageStoredValue(dir, '"workflowId":"row-victim","runId"');

  const log = recordingLogger();
  const second = await lmdbEngine(dir, { workflows: [waiter], logger: log.logger });
  // Recovery reads each open run's row to know whether it only waits: the damage shows there.
  expect(log.quarantined()).toEqual(['history ["row-victim",0]']);
  const { engine } = second;
  await engine.getHandle('bystander').signal('go', 'yes');
  expect(await engine.getHandle('bystander').result()).toBe('MARKER-bystander: yes');
  const victim = engine.getHandle('row-victim');
  await expect(victim.signal('go', 'no')).rejects.toMatchObject({
    code: 'store_corruption',
    key: 'history ["row-victim",0]',
  });
  await expect(victim.result()).rejects.toBeInstanceOf(StoreCorruption);

  const page = await engine.list({});
  expect(page.items.map((item) => item.workflowId).sort()).toEqual(['bystander', 'history-victim']);
  expect(page.corrupt).toEqual([
    { workflowId: 'row-victim', key: 'history ["row-victim",0]', reason: expect.stringMatching(/checksum/) },
  ]);
  // The other run still waits and still takes its signal.
  await engine.getHandle('history-victim').signal('go', 'fine');
  expect(await engine.getHandle('history-victim').result()).toBe('MARKER-history-victim: fine');
  expect(log.quarantined()).toEqual(['history ["row-victim",0]']);
  await second.close();
});

it('damage found while the engine runs (a hibernated run woken by a signal) quarantines that run only', async () => {
  const dir = lmdbDir();
  const log = recordingLogger();
  const env = await lmdbEngine(dir, { workflows: [waiter], hibernateAfter: 0, logger: log.logger });
  for (const id of ['woken-victim', 'bystander']) {
    await env.engine.start(waiter, `MARKER-${id}`, { workflowId: id });
  }
  await env.idle();
  expect((await env.engine.getHandle('woken-victim').describe()).residency).toBe('hibernated');

  damageStoredValue(dir, 'MARKER-woken-victim');
  const victim = env.engine.getHandle('woken-victim');
  const waiting = victim.result();
  await expect(victim.signal('go', 'wake')).rejects.toMatchObject({
    code: 'store_corruption',
    key: 'history ["woken-victim",1]',
  });
  await expect(waiting).rejects.toBeInstanceOf(StoreCorruption);
  expect(log.quarantined()).toEqual(['history ["woken-victim",1]']);
  // Nothing was recorded for it, and the other run is untouched.
  await env.engine.getHandle('bystander').signal('go', 'fine');
  expect(await env.engine.getHandle('bystander').result()).toBe('MARKER-bystander: fine');
  const { items } = await env.engine.list({ status: 'Running' });
  expect(items).toEqual([
    expect.objectContaining({
      workflowId: 'woken-victim',
      corrupt: expect.objectContaining({ key: 'history ["woken-victim",1]' }),
    }),
  ]);
  await env.close();
});
