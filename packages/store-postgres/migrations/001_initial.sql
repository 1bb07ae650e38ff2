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
  -- shardOf(workflowId, shard_count) (core): which lease an append to it must hold.
  shard integer NOT NULL,
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
CREATE INDEX workflows_active_by_shard ON workflows (shard, workflow_key) WHERE status = 'Running';

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
  shard integer NOT NULL,
  timer_key bytea NOT NULL,
  fire_at double precision NOT NULL,
  PRIMARY KEY (workflow_key, timer_key)
);
CREATE INDEX timers_due ON timers (fire_at, workflow_key, timer_key);
CREATE INDEX timers_due_by_shard ON timers (shard, fire_at);

-- Shard ownership (core's OwnershipStore). One row of settings: the shard count, fixed when the
-- schema is created (openPostgresStore inserts it after this file), and an offset of the store's
-- clock that only tests move.
CREATE TABLE store_config (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  shard_count integer NOT NULL CHECK (shard_count BETWEEN 1 AND 65536),
  clock_offset_ms double precision NOT NULL DEFAULT 0
);

-- The store's clock, epoch ms: the DATABASE's clock, never a process's. Leases expire on it.
CREATE FUNCTION store_now() RETURNS double precision LANGUAGE sql VOLATILE
  SET search_path FROM CURRENT
  AS $$ SELECT extract(epoch FROM clock_timestamp()) * 1000 + clock_offset_ms FROM store_config $$;

-- One row per shard (created with store_config): who holds it and until when. Renewals update
-- only this table.
CREATE TABLE shard_leases (
  shard integer PRIMARY KEY,
  owner text,
  expires_at double precision NOT NULL DEFAULT 0
);

-- One row per shard: the epoch of its current tenure, raised at every new claim (and only then).
-- An append holds the row FOR SHARE while it checks its fence, so a takeover (which raises the
-- epoch) waits for appends in flight under the old one, and appends after it see the new one;
-- renewals, which touch shard_leases only, never wait for appends.
CREATE TABLE shard_epochs (
  shard integer PRIMARY KEY,
  epoch bigint NOT NULL DEFAULT 0
);

-- Owners that claimed recently: the fair share counts the live ones.
CREATE TABLE owners (
  owner text PRIMARY KEY,
  expires_at double precision NOT NULL
);

-- Requests for a shard's owner; consumed in the transaction of the append that records them.
CREATE TABLE inbox (
  id bigserial PRIMARY KEY,
  shard integer NOT NULL,
  workflow_key bytea NOT NULL,
  kind text NOT NULL,
  payload text NOT NULL,
  enqueued_at double precision NOT NULL,
  consumed boolean NOT NULL DEFAULT false,
  outcome text
);
CREATE INDEX inbox_pending ON inbox (shard, id) WHERE NOT consumed;
