import { InMemoryStore } from '@reprise/core';
import { Engine } from '@reprise/engine';
import { activities, workflows } from './workflows.js';

/** Runs a batch of five images, one corrupt and one flaky, and reports the parent and its children. */
export async function runChildWorkflows(log: (line: string) => void = console.log) {
  const engine = await Engine.create({ store: new InMemoryStore(), workflows, activities });
  try {
    const images = ['cat.png', 'dog.flaky.png', 'corrupt.png', 'owl.jpg', 'fox.jpg'];
    const batch = await engine.start('thumbnail-batch', images, { workflowId: 'batch-1' });
    const result = (await batch.result()) as {
      done: { image: string; thumbnail: string; attempts: number }[];
      failed: { image: string; reason: string }[];
    };
    for (const item of result.done)
      log(`done    ${item.image} → ${item.thumbnail} (${item.attempts} attempt(s))`);
    for (const item of result.failed) log(`failed  ${item.image}: ${item.reason}`);
    const children = await engine.list({ workflowType: 'thumbnail' });
    const rows = children.items
      .map((child) => `${child.workflowId} ${child.status} (parent ${child.parent?.workflowId})`)
      .sort();
    log(`children: ${rows.join(', ')}`);
    return { result, children: children.items };
  } finally {
    await engine.shutdown();
  }
}
