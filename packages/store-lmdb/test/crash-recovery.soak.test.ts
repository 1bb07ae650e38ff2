// The crash proof at length (npm run soak:store): 50 SIGKILLs of a process appending to many
// workflows at once, each followed by a full check of the reopened store.
import { afterAll, expect, it } from '@jest/globals';
import { killWorkers } from './child-process.js';
import { killAndCheck } from './crash-rounds.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('crash-soak');
afterAll(() => {
  killWorkers();
  dirs.removeAll();
});

const kills = Number(process.env.SOAK_KILLS ?? 50);

// The root jest config's ignore pattern does not reach the projects, so guard here too.
const soak = process.env.SOAK ? it : it.skip;

soak(
  `keeps every acknowledged append across ${kills} SIGKILLs`,
  async () => {
    const { acks } = await killAndCheck(dirs.make(), kills, Number(process.env.SOAK_SEED ?? 11));
    expect(acks).toBeGreaterThan(kills);
  },
  600_000,
);
