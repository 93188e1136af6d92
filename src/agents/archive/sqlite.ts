// The search index in agents.db: parts in archive_parts, their words in the FTS5 table archive_text
// (external content: the text is stored once, in archive_parts), kept in step by triggers. An
// agent's rows go with it (foreign keys), and the triggers take its words out of the index too.
import type { Database, Statement } from "bun:sqlite"
import { START_OFFSET } from "../../streams/offsets.ts"
import type { ArchiveDocument } from "./documents.ts"
import { ftsMatch } from "./query.ts"
import { type ArchiveIndex, CANDIDATES, type IndexedHit, type SearchFilter } from "./store.ts"

const TABLES = `
CREATE TABLE IF NOT EXISTS archive_progress (
  agent_id   TEXT PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
  indexed_to TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS archive_parts (
  id         INTEGER PRIMARY KEY,
  agent_id   TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  part_key   TEXT NOT NULL,
  kind       TEXT NOT NULL,
  opens_at   TEXT NOT NULL,
  created_at TEXT NOT NULL,
  body       TEXT NOT NULL,
  UNIQUE (agent_id, part_key)
);
CREATE VIRTUAL TABLE IF NOT EXISTS archive_text USING fts5(body, content = 'archive_parts', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS archive_parts_added AFTER INSERT ON archive_parts BEGIN
  INSERT INTO archive_text (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER IF NOT EXISTS archive_parts_removed AFTER DELETE ON archive_parts BEGIN
  INSERT INTO archive_text (archive_text, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER IF NOT EXISTS archive_parts_changed AFTER UPDATE ON archive_parts BEGIN
  INSERT INTO archive_text (archive_text, rowid, body) VALUES ('delete', old.id, old.body);
  INSERT INTO archive_text (rowid, body) VALUES (new.id, new.body);
END;
`

type Row = IndexedHit

export class SqliteArchive implements ArchiveIndex {
  readonly #db: Database
  readonly #q: {
    progress: Statement<{ indexed_to: string }, [string]>
    agent: Statement<{ id: string }, [string]>
    setProgress: Statement<unknown, [string, string]>
    upsert: Statement<unknown, [string, string, string, string, string, string]>
  }

  /** Creates its tables in the agents' database (after the agents table) when they are missing. */
  constructor(db: Database) {
    this.#db = db
    db.exec(TABLES)
    this.#q = {
      progress: db.query("SELECT indexed_to FROM archive_progress WHERE agent_id = ?"),
      agent: db.query("SELECT id FROM agents WHERE id = ?"),
      setProgress: db.query("INSERT INTO archive_progress (agent_id, indexed_to) VALUES (?1, ?2) ON CONFLICT (agent_id) DO UPDATE SET indexed_to = excluded.indexed_to"),
      upsert: db.query(
        `INSERT INTO archive_parts (agent_id, part_key, kind, opens_at, created_at, body) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (agent_id, part_key) DO UPDATE SET kind = excluded.kind, opens_at = excluded.opens_at, created_at = excluded.created_at, body = excluded.body
         WHERE body IS NOT excluded.body OR opens_at IS NOT excluded.opens_at`,
      ),
    }
  }

  async progress(agentId: string): Promise<string> {
    return this.#q.progress.get(agentId)?.indexed_to ?? START_OFFSET
  }

  async commit(agentId: string, from: string, to: string, documents: ArchiveDocument[]): Promise<boolean> {
    // IMMEDIATE: it reads before it writes, and the daemon writes to the same file from another
    // connection; a deferred transaction that another commit overtook fails at once with "database
    // is locked" where this one waits its turn.
    return this.#db.transaction(() => {
      if (!this.#q.agent.get(agentId)) return false
      if ((this.#q.progress.get(agentId)?.indexed_to ?? START_OFFSET) !== from) return false
      for (const d of documents) this.#q.upsert.run(agentId, d.key, d.kind, d.offset, d.createdAt, d.text)
      this.#q.setProgress.run(agentId, to)
      return true
    }).immediate()
  }

  async search(filter: SearchFilter): Promise<IndexedHit[]> {
    const where = ["archive_text MATCH ?"]
    const params: string[] = [ftsMatch(filter.terms)]
    if (filter.agent !== undefined) where.push("p.agent_id = ?"), params.push(filter.agent)
    if (filter.harness !== undefined) where.push("a.harness = ?"), params.push(filter.harness)
    if (filter.since !== undefined) where.push("p.created_at >= ?"), params.push(filter.since)
    // The newest matches (FTS5 walks its rowids backwards without scoring the others), then the
    // best of them: bm25 is lower for a better match.
    const joins = where.length > 1 ? "JOIN archive_parts p ON p.id = archive_text.rowid JOIN agents a ON a.id = p.agent_id" : ""
    const sql = `SELECT p.agent_id AS agentId, a.name AS agentName, a.harness, a.archived_at AS archivedAt, p.kind, p.opens_at AS offset, p.created_at AS createdAt, p.body AS text
      FROM (SELECT archive_text.rowid AS id, bm25(archive_text) AS score FROM archive_text ${joins}
            WHERE ${where.join(" AND ")} ORDER BY archive_text.rowid DESC LIMIT ${CANDIDATES}) m
      JOIN archive_parts p ON p.id = m.id JOIN agents a ON a.id = p.agent_id
      ORDER BY m.score, p.created_at DESC, p.id DESC LIMIT ${Math.trunc(filter.limit)}`
    return this.#db.query<Row, string[]>(sql).all(...params)
  }
}
