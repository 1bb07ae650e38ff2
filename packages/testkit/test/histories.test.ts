// The README's folder-of-histories regression test, run as written over this package's own
// committed histories (recorded before a feature flag flipped; the twin that reads the flag
// through an activity must keep replaying them).
import { readHistoryFiles, replayHistories } from '@reprise/testkit';
import { recordedFlagOrder as order } from './order-workflows.js';

test('every committed history replays on this code', async () => {
  const report = await replayHistories([order], readHistoryFiles('packages/testkit/test/histories'));
  if (!report.ok) throw new Error(report.summary);
  expect(report.results.length).toBeGreaterThan(0);
});
