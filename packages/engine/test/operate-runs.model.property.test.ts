// Model-based property (fast-check commands): start, signal, update, cancel, terminate, pause,
// resume and engine restarts, interleaved at random on two workflow ids, agree with a model of
// status, paused, result and update answers. In-memory store kept across restarts.
import { InMemoryStore } from '@reprise/core';
import { checkOperateModel, keptStore } from './fixtures/operate-model.js';

it('operating runs agrees with the model of their status, results and update answers', async () => {
  await checkOperateModel(() => {
    const store = keptStore(new InMemoryStore());
    return { openStore: () => store };
  }, 60);
});
