// The search index of the agents' transcripts, kept in the agent store beside the agents' records
// (agents.db's FTS5 table, PostgreSQL's tsvector column with a GIN index): one row per part of a
// message, and per agent the offset its stream is indexed up to. Both go in one commit, so an
// indexer that restarts (or another node's) carries on exactly where the last commit left off.
import type { ArchiveDocument, DocumentKind } from "./documents.ts"
import type { Term } from "./query.ts"

/**
 * A search ranks the newest this many matching parts and returns the best of them: a word found
 * in most parts still answers at once, with recent sessions first.
 */
export const CANDIDATES = 2000

export interface SearchFilter {
  terms: Term[]
  /** an agent's id */
  agent?: string
  harness?: string
  /** ISO time: parts of messages from then on */
  since?: string
  limit: number
}

export interface IndexedHit {
  agentId: string
  agentName: string
  harness: string
  /** when the agent was archived, if it is */
  archivedAt: string | null
  kind: DocumentKind
  /** where `iterate events --offset` opens the message */
  offset: string
  createdAt: string
  text: string
}

export interface ArchiveIndex {
  /** The offset the agent's stream is indexed up to: START_OFFSET before anything is. */
  progress(agentId: string): Promise<string>
  /**
   * Stores the documents (replacing those with the same key) and moves the agent's progress from
   * `from` to `to`, in one commit. False, with nothing stored, when its progress is no longer `from`
   * (another indexer got there first) or the agent is gone.
   */
  commit(agentId: string, from: string, to: string, documents: ArchiveDocument[]): Promise<boolean>
  /** The best of the newest CANDIDATES matches first (newest first among equals). */
  search(filter: SearchFilter): Promise<IndexedHit[]>
}
