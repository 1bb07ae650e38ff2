// The model-based property of operating runs (fixtures/operate-model.ts) on the LMDB store: each
// restart closes the store and opens the directory again, so paused runs, held inputs and
// accepted updates come back from disk.
import { checkOperateModel } from '../fixtures/operate-model.js';
import { lmdbDir, openStore } from './fixtures/lmdb-env.js';

it('operating runs on LMDB, with real restarts, agrees with the model', async () => {
  await checkOperateModel(() => {
    const dir = lmdbDir();
    return { openStore: () => openStore(dir) };
  }, 25);
}, 300_000);
