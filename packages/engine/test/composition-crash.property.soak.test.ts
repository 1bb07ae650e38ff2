// The long version of composition-crash.property.test.ts (npm run soak): 3,000 cases, or
// SOAK_RUNS; SOAK_SEED replays a reported seed.
import { checkTreeProperty } from './fixtures/composition-tree.js';

it('over many more cases, every run ends with one terminal, every signal arrives once, every id ends as uninterrupted', async () => {
  await checkTreeProperty(
    Number(process.env.SOAK_RUNS ?? 3000),
    process.env.SOAK_SEED === undefined ? undefined : Number(process.env.SOAK_SEED),
  );
}, 1_800_000);
