import { runChildWorkflows } from './run.js';

it('fans out one child run per image, retries the flaky one and reports the corrupt one', async () => {
  const lines: string[] = [];
  const { result, children } = await runChildWorkflows((line) => lines.push(line));
  expect(result.done.map((item) => item.image)).toEqual(['cat.png', 'dog.flaky.png', 'owl.jpg', 'fox.jpg']);
  expect(result.done.find((item) => item.image === 'dog.flaky.png')?.attempts).toBe(2);
  expect(result.failed).toEqual([
    { image: 'corrupt.png', ok: false, reason: expect.stringContaining('corrupt.png is not an image') },
  ]);
  expect(children).toHaveLength(5);
  expect(children.filter((child) => child.status === 'Failed').map((child) => child.workflowId)).toEqual([
    'batch-1/2',
  ]);
  expect(children.every((child) => child.parent?.workflowId === 'batch-1')).toBe(true);
  expect(lines.at(-1)).toMatch(/^children: batch-1\/0 Completed \(parent batch-1\), /);
});
