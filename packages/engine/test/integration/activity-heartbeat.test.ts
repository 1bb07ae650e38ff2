// Activity heartbeats on the LMDB store: details kept with the pending activity (describe shows
// them) and handed to the next attempt; heartbeatTimeout fails an attempt that stops
// heartbeating (then retried); details that are not JSON-safe are refused; and an attempt in
// flight is aborted when its workflow returns without awaiting it.
import { defineActivity, defineWorkflow } from '@reprise/core';
import { lmdbDir, lmdbEngine } from './fixtures/lmdb-env.js';

const log: string[] = [];

const resumable = defineActivity(
  'resumable',
  async (_input: null, actx) => {
    if (actx.attempt === 1) {
      actx.heartbeat({ done: 3 });
      return new Promise<string>((_resolve, reject) => {
        actx.signal.addEventListener('abort', () => {
          log.push(`attempt 1 aborted: ${(actx.signal.reason as Error).message}`);
          reject(actx.signal.reason);
        });
      });
    }
    return `attempt ${actx.attempt} resumed from ${JSON.stringify(actx.heartbeatDetails)}`;
  },
  { retry: { initialInterval: '1s', backoffCoefficient: 1, maximumAttempts: 3 }, heartbeatTimeout: '10s' },
);

const badDetails = defineActivity('bad-details', async (_input: null, actx) => {
  try {
    actx.heartbeat({ callback: () => 1 } as never);
    return 'accepted';
  } catch (error) {
    return `${(error as { code: string }).code}: ${(error as Error).message}`;
  }
});

const endless = defineActivity('endless', (_input: null, actx) => {
  return new Promise<string>((_resolve, reject) => {
    actx.signal.addEventListener('abort', () => {
      log.push('endless aborted');
      reject(new Error('aborted'));
    });
  });
});

const usesResumable = defineWorkflow('uses-resumable', async (ctx) => ctx.activity(resumable, null));
const usesBadDetails = defineWorkflow('uses-bad-details', async (ctx) => ctx.activity(badDetails, null));
const leavesEndless = defineWorkflow('leaves-endless', async (ctx) => {
  void ctx.activity(endless, null);
  await ctx.sleep('1s');
  return 'left it running';
});

const options = {
  workflows: [usesResumable, usesBadDetails, leavesEndless],
  activities: [resumable, badDetails, endless],
};

it('a heartbeat is shown by describe; an attempt that stops heartbeating is retried and sees the details', async () => {
  const env = await lmdbEngine(lmdbDir(), options);
  const handle = await env.engine.start(usesResumable, null, { workflowId: 'h' });
  await env.idle();
  const [pending] = (await handle.describe()).pendingActivities;
  expect(pending).toMatchObject({ activityType: 'resumable', lastHeartbeat: { details: { done: 3 } } });
  await env.advance('10s');
  expect(log).toEqual(['attempt 1 aborted: attempt sent no heartbeat for 10000 ms']);
  const retrying = (await handle.describe()).pendingActivities[0];
  expect(retrying).toMatchObject({ attemptsEnded: 1, lastFailure: { name: 'HeartbeatTimeout' } });
  expect(retrying?.retryAt).toBe(env.clock.now() + 1000);
  await env.advance('1s');
  expect(await handle.result()).toBe('attempt 2 resumed from {"done":3}');
  const failed = (await handle.history()).find((event) => event.type === 'ActivityFailed');
  expect(failed).toMatchObject({ attempt: 1, error: { name: 'HeartbeatTimeout' } });
  await env.close();
});

it('heartbeat details that are not JSON-safe are refused with a PayloadError naming them', async () => {
  const env = await lmdbEngine(lmdbDir(), options);
  const handle = await env.engine.start(usesBadDetails, null, { workflowId: 'b' });
  const answer = await handle.result();
  expect(answer).toMatch(/^invalid_payload: /);
  expect(answer).toMatch(/heartbeat details\.callback/);
  await env.close();
});

it('an attempt in flight is aborted when its workflow returns without awaiting it', async () => {
  log.length = 0;
  const env = await lmdbEngine(lmdbDir(), options);
  const handle = await env.engine.start(leavesEndless, null, { workflowId: 'l' });
  await env.idle();
  expect(log).toEqual([]);
  await env.advance('1s');
  expect(await handle.result()).toBe('left it running');
  await env.idle();
  expect(log).toEqual(['endless aborted']);
  await env.close();
});
