import type { Migration } from "../storage/postgres.ts"
import { ARCHIVE_TABLES } from "./archive/postgres.ts"
import { SPEND_COLUMNS, SPEND_JOIN } from "./usage/ledger.ts"

// The agents' tables in the PostgreSQL database the fleet shares: the same columns as agents.db
// (src/agents/sqlite-store.ts), so both stores map rows alike, plus who holds each agent. An
// agent's lease is its `node` and `lease_expires_at` here (renewed with the node's heartbeat,
// compared with the database's clock, never a node's) and its epoch in the stream store's
// `leases` table under the agent's stream name, which every harness append is fenced with.
export const AGENT_MIGRATIONS: Migration[] = [
  `CREATE TABLE agents (
     id               text PRIMARY KEY,
     name             text NOT NULL UNIQUE,
     harness          text NOT NULL,
     directory        text NOT NULL,
     model            text,
     stream           text NOT NULL UNIQUE,
     status           text NOT NULL DEFAULT 'idle',
     error            text,
     created_at       text NOT NULL,
     consumed         text,
     resume           text,
     permissions      text NOT NULL DEFAULT 'ask',
     allowed_tools    text NOT NULL DEFAULT '[]',
     node             text,
     lease_expires_at timestamptz NOT NULL DEFAULT now(),
     -- why the node it was placed on would not run it
     refused          text
   );
   CREATE INDEX agents_node ON agents (node);
   CREATE TABLE permissions (
     seq        bigint GENERATED ALWAYS AS IDENTITY,
     id         text PRIMARY KEY,
     agent_id   text NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
     tool       text NOT NULL,
     kind       text NOT NULL,
     summary    text NOT NULL,
     request    text NOT NULL,
     match_key  text NOT NULL,
     state      text NOT NULL DEFAULT 'pending',
     decision   text,
     message    text,
     created_at text NOT NULL
   );
   CREATE INDEX permissions_open ON permissions (agent_id, state);
   -- pids are a machine's own: each node cleans up after its own killed daemon
   CREATE TABLE harness_processes (
     node    text NOT NULL,
     pid     integer NOT NULL,
     harness text NOT NULL,
     PRIMARY KEY (node, pid)
   );
   CREATE TABLE nodes (
     id           text PRIMARY KEY,
     url          text NOT NULL,
     roots        text NOT NULL,
     version      text NOT NULL,
     lease_ttl_ms integer NOT NULL,
     started_at   text NOT NULL,
     heartbeat_at timestamptz NOT NULL,
     stopped_at   timestamptz
   );`,
  // An agent's own git worktree (JSON AgentWorktree), for agents made with --worktree.
  `ALTER TABLE agents ADD COLUMN worktree text;`,
  // Sessions run outside iterate, imported as agents (`iterate import`).
  `CREATE TABLE imports (
     harness       text NOT NULL,
     session_id    text NOT NULL,
     agent_id      text NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
     location      text NOT NULL,
     cursor        text NOT NULL,
     stream_offset text NOT NULL,
     imported_at   text NOT NULL,
     PRIMARY KEY (harness, session_id)
   );
   CREATE INDEX imports_agent ON imports (agent_id);`,
  // `agents rm` archives; the search index of the transcripts.
  `ALTER TABLE agents ADD COLUMN archived_at text;
   ${ARCHIVE_TABLES}`,
]

/**
 * The epoch of an agent's first lease, taken in the transaction that records it for this node. An
 * agent recorded for another node starts at 0, a placement that node has yet to take.
 */
export const FIRST_EPOCH = 1

/** Every agents column, and what the database knows about the agent's lease, requests and spend (the ledger's tables, ./usage/postgres.ts). */
export const AGENT_SELECT = `SELECT a.id, a.name, a.harness, a.directory, a.model, a.stream, a.status, a.error, a.created_at, a.consumed,
  a.resume, a.permissions, a.allowed_tools, a.worktree, a.node, a.lease_expires_at < now() AS lease_expired, a.archived_at,
  EXISTS (SELECT 1 FROM permissions p WHERE p.agent_id = a.id AND p.state = 'pending') AS asking, ${SPEND_COLUMNS},
  (SELECT max(i.imported_at) FROM imports i WHERE i.agent_id = a.id) AS imported_at
  FROM agents a ${SPEND_JOIN}`
