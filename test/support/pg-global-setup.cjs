// Jest's global setup: PostgreSQL for the suites that need it, started lazily.
//
// When REPRISE_TEST_PG_URL names a server (CI's `.ci/run` starts one), the suites use it and this
// does nothing. Otherwise it makes a folder in which the first test file that asks for a server
// (`test/support/postgres.ts`) starts a throwaway cluster (scripts/pg-cluster.mjs) that every
// other worker then shares; global teardown stops it. A run without PostgreSQL suites starts none.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = async () => {
  if (process.env.REPRISE_TEST_PG_URL) return;
  // Workers are started after global setup, so they inherit this.
  process.env.REPRISE_TEST_PG_LAZY_DIR = mkdtempSync(join(tmpdir(), 'reprise-pg-jest-'));
};
