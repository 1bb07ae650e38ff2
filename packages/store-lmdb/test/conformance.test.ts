// The testkit's store contract, run unchanged against the LMDB store.
import { afterAll } from '@jest/globals';
import { describeEventStoreConformance } from '@reprise/testkit';
import { openLmdbStore } from '../src/index.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('conformance');
afterAll(() => dirs.removeAll());

describeEventStoreConformance('lmdb', () => openLmdbStore({ path: dirs.make(), noSync: true }));
