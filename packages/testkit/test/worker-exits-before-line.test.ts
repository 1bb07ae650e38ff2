// startWorkerProcess: a worker that exits before printing the awaited line rejects waitFor with a WorkerExitedError carrying its exit code and stderr.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  killWorkerProcesses,
  startWorkerProcess,
  tempDirs,
  WorkerExitedError,
} from '@reprise/testkit/internal';

jest.setTimeout(30_000);

const dirs = tempDirs('worker-exits');
afterAll(() => {
  killWorkerProcesses();
  dirs.removeAll();
});

it('rejects with worker_exited, the exit code and what the worker wrote to stderr', async () => {
  const script = join(dirs.make(), 'broken-worker.ts');
  writeFileSync(script, "process.stderr.write('no config\\n');\nprocess.exit(3);\n");
  const worker = startWorkerProcess(script);
  const waited = worker.waitFor((line) => line === 'ready');
  await expect(waited).rejects.toBeInstanceOf(WorkerExitedError);
  await expect(waited).rejects.toMatchObject({
    code: 'worker_exited',
    exit: 3,
    stderr: 'no config\n',
    script,
  });
});
