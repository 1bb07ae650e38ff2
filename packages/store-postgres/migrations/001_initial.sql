-- Reprise's store on PostgreSQL, version 1. Applied by openPostgresStore inside one transaction,
-- under the schema's advisory lock, with search_path set to the store's schema.
--
-- Workflow ids and timer ids are kept as `key` bytea: the string's UTF-16 code units, big-endian.
-- Byte order of that is JavaScript's string order (the list order and the timer order), and
-- it holds any string (NUL, lone surrogates) that text cannot.

-- One row per workflow id: its last seq, the projection of its history (core's projectEvents)
-- and the columns that lists filter and sort on, all changed in the append's transaction.
CREATE TABLE workflows (
  workflow_key bytea PRIMARY KEY,
  last_seq integer NOT NULL,
  -- The visibility row without historyLength (= last_seq), as JSON; NULL until a WorkflowStarted.
  summary text,
  -- The pending timers of the open run, as JSON [[timerId, fireAt], ...].
  timers text NOT NULL DEFAULT '[]',
  status text,
  workflow_type text,
  build_id text,
  -- Epoch ms, as the summary has them.
  created_at double precision,
  started_at double precision,
  closed_at double precision
);
CREATE INDEX workflows_list ON workflows (created_at DESC, workflow_key) WHERE summary IS NOT NULL;
CREATE INDEX workflows_by_status ON workflows (status, created_at DESC, workflow_key);
CREATE INDEX workflows_by_type ON workflows (workflow_type, created_at DESC, workflow_key);
CREATE INDEX workflows_closed ON workflows (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX workflows_active ON workflows (workflow_key) WHERE status = 'Running';

-- Every event, one row each, as the JSON text the append was given.
CREATE TABLE events (
  workflow_key bytea NOT NULL,
  seq integer NOT NULL,
  body text NOT NULL,
  PRIMARY KEY (workflow_key, seq)
);

-- The pending timers of every open run, by due time.
CREATE TABLE timers (
  workflow_key bytea NOT NULL,
  timer_key bytea NOT NULL,
  fire_at double precision NOT NULL,
  PRIMARY KEY (workflow_key, timer_key)
);
CREATE INDEX timers_due ON timers (fire_at, workflow_key, timer_key);
