// The README's createTestEngine example, run as written; the last test fails when the README
// shows anything but the code between the markers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// README example begins
import { defineActivity, defineWorkflow } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';

const sendReminder = defineActivity('send-reminder', async (email: string) => `reminder sent to ${email}`);

const trial = defineWorkflow('trial', async (ctx, email: string) => {
  const upgrade = await ctx.waitForSignal<{ plan: string }>('upgraded', { timeout: '30d' });
  if (upgrade) return `upgraded to ${upgrade.plan}`;
  return ctx.activity(sendReminder, email);
});

test('a trial nobody upgrades gets its reminder after thirty days', async () => {
  const env = await createTestEngine({ workflows: [trial], activities: [sendReminder] });
  try {
    const handle = await env.engine.start(trial, 'ada@example.com');
    await env.advance('29d');
    expect((await handle.describe()).status).toBe('Running');
    await env.advance('1d'); // the wait times out and the reminder goes out
    expect(await handle.result()).toBe('reminder sent to ada@example.com');
  } finally {
    await env.close();
  }
});

test('an upgrade during the trial ends it', async () => {
  const env = await createTestEngine({ workflows: [trial], activities: [sendReminder] });
  try {
    const handle = await env.engine.start(trial, 'grace@example.com');
    await env.advance('3d');
    await handle.signal('upgraded', { plan: 'pro' });
    await env.idle(); // the run takes the signal and completes
    expect((await handle.describe()).status).toBe('Completed');
    expect(await handle.result()).toBe('upgraded to pro');
  } finally {
    await env.close();
  }
});
// README example ends

it('the README shows the example above, as it is', () => {
  const source = readFileSync(__filename, 'utf8');
  const here = source.slice(
    source.indexOf('// README example begins\n') + '// README example begins\n'.length,
    source.indexOf('// README example ends\n'),
  );
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A test engine on a virtual clock'));
  const block = section.slice(
    section.indexOf('```ts\n') + '```ts\n'.length,
    section.indexOf('```\n', section.indexOf('```ts\n') + 1),
  );
  expect(block).toBe(here);
});
