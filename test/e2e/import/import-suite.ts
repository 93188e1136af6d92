// `iterate import` end to end through the compiled binary, for one harness: the real harness from
// npm run directly (without iterate) against a scripted model server, as a person runs it, leaves
// a session where it keeps them; the daemon (the same environment, so the same config folder or
// data folder as the harness run directly) imports it, shows it, imports only what it gained, and
// its next prompt goes on with it in the harness. On both stores. claude.test.ts, codex.test.ts
// and opencode.test.ts run it with what differs between the harnesses.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { type AgentEvent, payloadsOf, useAgentSandbox } from "../../support/agent-sandbox.ts"
import type { Direct } from "../../support/direct-runs.ts"
import { conversationOf } from "../../support/harness-scripts.ts"
import type { Result } from "../../support/run-process.ts"
import { STORES, useStore } from "../../support/stores.ts"

const PROMPT = "iterate:agent:action:prompt:called"

export interface ImportDriver<Reply> {
  harness: "claude" | "codex" | "opencode"
  stub: {
    url: string
    reply(...replies: Reply[]): void
    readonly turns: ReadonlyArray<{ body: { messages: unknown } | { input: unknown } }>
  }
  text(body: string): Reply
  /** runs the harness directly in `where`, going on with session `resume` when given */
  direct(where: Direct, prompt: string, resume?: string): Promise<Result>
  /** the id of the newest session the harness keeps, with this environment */
  latest(env: Record<string, string | undefined>): string
  /** a file that is not a session of the harness, put where the import reads by default; none for a harness keeping a database */
  badFile?(env: Record<string, string | undefined>): string
  /** the newest session's file, for a harness keeping files */
  sessionFile?(env: Record<string, string | undefined>): string
}

interface Report {
  path: string
  sessions: Array<{ sessionId: string; outcome: string; reason?: string; agent?: string; name?: string; directory?: string; events: number }>
  warnings: string[]
}

export function importSuite<Reply>(driver: ImportDriver<Reply>): void {
  const { harness, stub } = driver

  describe.each(STORES)(`iterate import ${harness}, on %s`, { timeout: 180_000 }, (store) => {
    const agents = useAgentSandbox(stub, harness)
    useStore(store, () => agents.sandbox)
    const where = (cwd = agents.project): Direct => ({ cwd, env: agents.sandbox.env })
    const direct = async (prompt: string, reply: string, options: { resume?: boolean; cwd?: string } = {}) => {
      stub.reply(driver.text(reply))
      const run = await driver.direct(where(options.cwd), prompt, options.resume ? driver.latest(agents.sandbox.env) : undefined)
      if (run.code !== 0) throw new Error(`${harness} run directly exited ${run.code}:\n${run.stderr}${run.stdout}`)
    }
    const importNow = async (...args: string[]) => JSON.parse((await agents.iterate(["import", harness, ...args, "--json"])).stdout) as Report
    const shown = async () => (await agents.iterate(["events", "project"])).stdout
    let seen: AgentEvent[] = []

    test("a session run directly becomes an agent named after its directory, its conversation in its events", async () => {
      await direct("say hello directly", "Hello from the direct run.")
      const session = driver.latest(agents.sandbox.env)
      const report = await importNow()
      expect(report.warnings).toEqual([])
      expect(report.sessions).toEqual([expect.objectContaining({ sessionId: session, outcome: "new", name: "project", directory: agents.project, events: expect.any(Number) })])
      seen = await agents.events("project")
      expect(seen).toHaveLength(report.sessions[0]!.events)
      expect(payloadsOf(seen, PROMPT).map((p) => p.text)).toEqual([expect.stringContaining("say hello directly")])
      expect(seen.some((e) => e.type === `iterate:agent:harness:${harness}:event-received`)).toBe(true)
      expect(seen.at(-1)).toMatchObject({ type: "iterate:agent:status:changed", payload: { status: "idle" } })
      expect(await shown()).toContain("Hello from the direct run.")
      const [agent] = JSON.parse((await agents.iterate(["agents", "--json"])).stdout)
      expect(agent).toMatchObject({ name: "project", harness, directory: agents.project, status: "idle", importedAt: expect.any(String) })
      // What the session spent is in the ledger, as a turn iterate ran would be.
      const usage = JSON.parse((await agents.iterate(["usage", "project", "--json"])).stdout)
      expect(usage.total).toMatchObject({ turns: 1, inputTokens: expect.any(Number) })
      expect(usage.total.inputTokens + usage.total.outputTokens).toBeGreaterThan(0)
      // The table, for a person.
      const table = await agents.iterate(["import", harness])
      expect(table.stdout).toMatch(new RegExp(`^AGENT +NAME +HARNESS +DIRECTORY +EVENTS +RESULT\\n${agent.id} +project +${harness} +${agents.project} +0 +skipped \\(nothing new\\)\\n$`))
    })

    test("importing again adds nothing", async () => {
      const report = await importNow()
      expect(report.sessions).toEqual([expect.objectContaining({ outcome: "skipped", reason: "nothing new", name: "project", events: 0 })])
      expect(await agents.events("project")).toEqual(seen)
    })

    test("a turn run directly since is all the next import adds", async () => {
      await direct("and again directly", "Second direct answer.", { resume: true })
      const report = await importNow()
      expect(report.sessions).toEqual([expect.objectContaining({ outcome: "updated", name: "project", events: expect.any(Number) })])
      const added = await agents.events("project", seen.at(-1)!.offset)
      expect(added).toHaveLength(report.sessions[0]!.events)
      expect(payloadsOf(added, PROMPT).map((p) => p.text)).toEqual([expect.stringContaining("and again directly")])
      expect(await shown()).toContain("Second direct answer.")
      seen = await agents.events("project")
    })

    test("a prompt through iterate goes on with the session: the model sees the conversation so far, and no import takes that turn again", async () => {
      stub.reply(driver.text("Answered through iterate."))
      const reply = await agents.iterate(["prompt", "project", "what did we say?"])
      expect(reply.stdout).toContain("Answered through iterate.")
      const asked = conversationOf(stub.turns.at(-1)!)
      expect(asked).toContain("say hello directly")
      expect(asked).toContain("Hello from the direct run.")
      expect(asked).toContain("Second direct answer.")
      // (The harness may still report on the turn after it ended: only what import appends counts here.)
      const imported = async () => (await agents.events("project")).filter((e) => (e as { metadata?: { imported?: boolean } }).metadata?.imported)
      const before = await imported()
      expect((await importNow()).sessions).toEqual([expect.objectContaining({ outcome: "skipped", events: 0 })])
      expect(await imported()).toEqual(before)
    })

    test("a path that holds no sessions: one line naming it, exit 1", async () => {
      const empty = join(agents.sandbox.dir, "empty")
      mkdirSync(empty)
      const result = await agents.iterate(["import", harness, empty], { code: 1 })
      expect(result.stderr).toMatch(new RegExp(`^iterate: no [\\w ]+ sessions in ${empty}(: [^\\n]+)?\\n$`))
      const nowhere = join(agents.sandbox.dir, "nowhere")
      expect((await agents.iterate(["import", harness, nowhere], { code: 1 })).stderr).toBe(`iterate: no such file or folder: ${nowhere}\n`)
    })

    test("a file that is not a session, given as the path: one line naming it, exit 1", async () => {
      const bad = join(agents.sandbox.dir, "notes.txt")
      writeFileSync(bad, "this is no session\n")
      const result = await agents.iterate(["import", harness, bad], { code: 1 })
      expect(result.stderr).toMatch(/^iterate: [^\n]+\n$/)
      expect(result.stderr).toContain(bad)
    })

    if (driver.sessionFile)
      test("sessions read from elsewhere than where the daemon's harness keeps them: a warning that they cannot go on", async () => {
        const elsewhere = join(agents.sandbox.dir, "elsewhere")
        mkdirSync(elsewhere)
        const copy = join(elsewhere, driver.sessionFile!(agents.sandbox.env).split("/").pop()!)
        copyFileSync(driver.sessionFile!(agents.sandbox.env), copy)
        const result = await agents.iterate(["import", harness, elsewhere])
        expect(result.stderr).toContain(`warning: ${elsewhere} is not where the daemon's ${harness} keeps its sessions`)
      })

    if (driver.badFile)
      test("a file that is not a session: a warning naming it, the rest imported", async () => {
        const bad = driver.badFile!(agents.sandbox.env)
        const other = agents.newProject("other")
        await direct("hello from elsewhere", "Elsewhere.", { cwd: other })
        const result = await agents.iterate(["import", harness, "--json"])
        const report = JSON.parse(result.stdout) as Report
        expect(result.stderr).toBe(`warning: ${report.warnings[0]}\n`)
        expect(report.warnings).toEqual([expect.stringContaining(bad)])
        expect(report.sessions.map((s) => [s.name, s.outcome])).toEqual(expect.arrayContaining([["project", "skipped"], ["other", "new"]]))
      })
  })
}
