// The search index in the PostgreSQL database the fleet shares: parts in archive_parts with their
// words as a tsvector under a GIN index. The words are cut here (query.ts), not by a text search
// configuration, so both stores match the same words; the tsvector and tsquery are literals.
import { START_OFFSET } from "../../streams/offsets.ts"
import type { Postgres } from "../../storage/postgres.ts"
import type { ArchiveDocument } from "./documents.ts"
import { tsQuery, tsVector } from "./query.ts"
import { type ArchiveIndex, CANDIDATES, type IndexedHit, type SearchFilter } from "./store.ts"

/** The tables, a migration of the agents' schema (src/agents/postgres-schema.ts). */
export const ARCHIVE_TABLES = `
  CREATE TABLE archive_progress (
    agent_id   text PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
    indexed_to text NOT NULL
  );
  CREATE TABLE archive_parts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id   text NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    part_key   text NOT NULL,
    kind       text NOT NULL,
    opens_at   text NOT NULL,
    created_at text NOT NULL,
    body       text NOT NULL,
    words      tsvector NOT NULL,
    UNIQUE (agent_id, part_key)
  );
  CREATE INDEX archive_parts_words ON archive_parts USING gin (words);`

// After this many parts stored, the planner's statistics are refreshed: a large backlog indexed at
// once (a first start on an existing database) would otherwise be searched with a plan made for
// an empty table until autovacuum's next look.
const ANALYZE_EVERY = 20_000

export class PostgresArchive implements ArchiveIndex {
  #stored = 0

  constructor(private readonly pg: Postgres) {}

  progress(agentId: string): Promise<string> {
    return this.pg.guard(async () => {
      const [row] = await this.pg.sql`SELECT indexed_to FROM archive_progress WHERE agent_id = ${agentId}`
      return (row?.indexed_to as string | undefined) ?? START_OFFSET
    })
  }

  async commit(agentId: string, from: string, to: string, documents: ArchiveDocument[]): Promise<boolean> {
    const committed = await this.#commit(agentId, from, to, documents)
    if (committed && (this.#stored += documents.length) >= ANALYZE_EVERY) {
      this.#stored = 0
      await this.pg.guard(() => this.pg.sql`ANALYZE archive_parts`)
    }
    return committed
  }

  #commit(agentId: string, from: string, to: string, documents: ArchiveDocument[]): Promise<boolean> {
    const column = <K extends keyof ArchiveDocument>(key: K) => documents.map((d) => d[key])
    return this.pg.guard(() =>
      this.pg.sql.begin(async (tx) => {
        // Held until the commit: a purge of the agent waits, then takes these rows with it.
        const [agent] = await tx`SELECT id FROM agents WHERE id = ${agentId} FOR KEY SHARE`
        if (!agent) return false
        await tx`INSERT INTO archive_progress (agent_id, indexed_to) VALUES (${agentId}, ${START_OFFSET}) ON CONFLICT (agent_id) DO NOTHING`
        const [progress] = await tx`SELECT indexed_to FROM archive_progress WHERE agent_id = ${agentId} FOR UPDATE`
        if (progress.indexed_to !== from) return false
        if (documents.length > 0)
          await tx`INSERT INTO archive_parts (agent_id, part_key, kind, opens_at, created_at, body, words)
                   SELECT ${agentId}, k, kind, o, c, b, w::tsvector
                   FROM unnest(${column("key")}::text[], ${column("kind")}::text[], ${column("offset")}::text[], ${column("createdAt")}::text[],
                               ${column("text")}::text[], ${documents.map((d) => tsVector(d.text))}::text[]) AS t(k, kind, o, c, b, w)
                   ON CONFLICT (agent_id, part_key) DO UPDATE SET kind = excluded.kind, opens_at = excluded.opens_at, created_at = excluded.created_at,
                     body = excluded.body, words = excluded.words
                   WHERE archive_parts.body IS DISTINCT FROM excluded.body OR archive_parts.opens_at IS DISTINCT FROM excluded.opens_at`
        await tx`UPDATE archive_progress SET indexed_to = ${to} WHERE agent_id = ${agentId}`
        return true
      }),
    )
  }

  search(filter: SearchFilter): Promise<IndexedHit[]> {
    const params: unknown[] = [tsQuery(filter.terms)]
    const where = ["p.words @@ $1::tsquery"]
    const param = (value: unknown) => `$${params.push(value)}`
    if (filter.agent !== undefined) where.push(`p.agent_id = ${param(filter.agent)}`)
    if (filter.harness !== undefined) where.push(`a.harness = ${param(filter.harness)}`)
    if (filter.since !== undefined) where.push(`p.created_at >= ${param(filter.since)}`)
    const join = filter.harness === undefined ? "" : "JOIN agents a ON a.id = p.agent_id"
    // The newest matches (only their ids sorted: the rows are wide), then the best of them.
    return this.pg.guard(async () => {
      const rows = await this.pg.sql.unsafe(
        `WITH newest AS MATERIALIZED (SELECT p.id FROM archive_parts p ${join} WHERE ${where.join(" AND ")} ORDER BY p.id DESC LIMIT ${CANDIDATES})
         SELECT p.agent_id AS "agentId", a.name AS "agentName", a.harness, a.archived_at AS "archivedAt", p.kind, p.opens_at AS "offset",
                p.created_at AS "createdAt", p.body AS text
         FROM newest JOIN archive_parts p ON p.id = newest.id JOIN agents a ON a.id = p.agent_id
         ORDER BY ts_rank(p.words, $1::tsquery) DESC, p.created_at DESC, p.id DESC LIMIT ${Math.trunc(filter.limit)}`,
        params,
      )
      return [...rows] as IndexedHit[]
    })
  }
}
