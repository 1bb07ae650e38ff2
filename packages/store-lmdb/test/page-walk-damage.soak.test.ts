// Over 200 random damages of a real data file: where the page walker finds nothing, opening the
// store and reading every value never crashes the process; and it tallies how many of the
// damages it flags would have crashed a reader (the figures in the README's "What is detected").
// Runs with `npm run soak:store` (about 3 s a damage: each opens the store in a child process).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { walkDataFile } from '../src/internal.js';
import { applyDamage, damageArbitrary, readEverythingInChild } from './fixtures/random-damage.js';
import { buildWalkedStore } from './fixtures/walked-store.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('page-walk-soak');
const damagedDirs = tempDirs('page-walk-soak-damaged');
afterAll(() => {
  dirs.removeAll();
  damagedDirs.removeAll();
});

const SEEDS = Number(process.env.PAGE_WALK_SEEDS ?? 200);

it(`reading every value never crashes where the walk finds nothing, over ${SEEDS} random damages`, async () => {
  const healthyPath = dirs.make();
  const { workflows } = await buildWalkedStore(healthyPath);
  const healthy = readFileSync(join(healthyPath, 'data.mdb'));
  const tally = {
    flagged: 0,
    flaggedCrashed: 0,
    clean: 0,
    cleanCrashed: 0,
    cleanFailed: 0,
    /** Unflagged damages the reads met as errors (typed, or LMDB's codes) instead of reading past. */
    cleanWithErrors: 0,
    signals: {} as Record<string, number>,
    cleanErrors: {} as Record<string, number>,
  };
  for (const damage of fc.sample(damageArbitrary, { numRuns: SEEDS, seed: 22 })) {
    const bytes = Buffer.from(healthy);
    applyDamage(bytes, damage);
    const path = join(damagedDirs.make(), 'store');
    mkdirSync(path);
    writeFileSync(join(path, 'data.mdb'), bytes);
    const flagged = walkDataFile(path).problems.length > 0;
    const { signal, status, errors = [] } = readEverythingInChild(path, workflows);
    if (signal !== null) tally.signals[signal] = (tally.signals[signal] ?? 0) + 1;
    if (!flagged && errors.length > 0) {
      tally.cleanWithErrors++;
      for (const error of new Set(errors))
        tally.cleanErrors[String(error)] = (tally.cleanErrors[String(error)] ?? 0) + 1;
    }
    if (flagged) {
      tally.flagged++;
      if (signal !== null) tally.flaggedCrashed++;
    } else {
      tally.clean++;
      if (signal !== null) tally.cleanCrashed++;
      else if (status !== 0) tally.cleanFailed++;
    }
    damagedDirs.removeAll();
  }
  process.stdout.write(`page walk over ${SEEDS} damages: ${JSON.stringify(tally)}\n`);
  expect(tally.cleanCrashed).toBe(0);
  expect(tally.cleanFailed).toBe(0);
}, 7_200_000);
