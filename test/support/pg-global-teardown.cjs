// Jest's global teardown: stops the cluster that a test file started lazily (see
// pg-global-setup.cjs), and removes the folder that coordinated it.
const { execFileSync } = require('node:child_process');
const { readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');

module.exports = async () => {
  const lazy = process.env.REPRISE_TEST_PG_LAZY_DIR;
  if (!lazy) return;
  try {
    const { dir } = JSON.parse(readFileSync(join(lazy, 'cluster.json'), 'utf8'));
    execFileSync(process.execPath, [join(__dirname, '../../scripts/pg-cluster.mjs'), 'stop', dir], {
      stdio: 'inherit',
    });
  } catch (error) {
    if (error.code !== 'ENOENT') throw error; // ENOENT: no test asked for a server.
  } finally {
    rmSync(lazy, { recursive: true, force: true });
    delete process.env.REPRISE_TEST_PG_LAZY_DIR;
  }
};
