// The archive end to end through the compiled binary, on each store: real opencode turns against
// the LLM stub make the transcripts that are searched (a word of a prompt, of a reply, of a tool's
// output, a file path), exported, archived, restored and purged. The tests run in order and share
// one daemon per store.
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { type AgentEvent, useAgentSandbox } from "../../support/agent-sandbox.ts"
import { text, toolCall, useLlmStub } from "../../support/llm-stub.ts"
import { STORES, useStore } from "../../support/stores.ts"
import { waitFor } from "../../support/wait.ts"

const stub = useLlmStub()

interface Hit {
  agent: string
  agentName: string
  harness: string
  archived: boolean
  kind: string
  offset: string
  createdAt: string
  snippet: string
  highlights: [number, number][]
}

describe.each(STORES)("search, export, archive, restore and purge, on %s", { timeout: 120_000 }, (store) => {
  const agents = useAgentSandbox(stub)
  useStore(store, () => agents.sandbox)
  let id = ""

  const search = async (...args: string[]): Promise<Hit[]> => JSON.parse((await agents.iterate(["search", ...args, "--json"])).stdout)
  /** The hits for `word`, once the indexer has them (it follows the streams a moment after each append). */
  const found = (word: string, count = 1) => waitFor(`${word} to be searchable`, async () => ((await search(word)).length >= count ? search(word) : undefined))
  /** The events `iterate events A --offset O` reads. */
  const eventsFrom = (offset: string): Promise<AgentEvent[]> => agents.events(id, offset)

  test("two turns: a prompt, a tool that writes a file, a command whose output is kept, a reply", async () => {
    stub.reply(toolCall("write", { filePath: join(agents.project, "notes", "quokka.md"), content: "about quokkas\n" }), text("Wrote the notes."))
    await agents.iterate(["run", "--dir", agents.project, "--permissions", "allow-all", "remember the pelican"])
    stub.reply(toolCall("bash", { command: "echo zebrafish-$((40+2))", description: "Print it" }), text("The marmalade answer is ready."))
    await agents.iterate(["run", "--dir", agents.project, "and run the script"])
    id = JSON.parse((await agents.iterate(["agents", "--json"])).stdout)[0].id
  })

  test("a word of a prompt, of a reply, of a tool's output, and a file path: each found with its agent, and events --offset opens at it", async () => {
    const [prompt] = await found("pelican")
    expect(prompt).toMatchObject({ agent: id, agentName: "project", harness: "opencode", archived: false, kind: "prompt", offset: "0000000000000000" })
    expect(prompt!.snippet.slice(...prompt!.highlights[0]!)).toBe("pelican")
    expect((await agents.iterate(["events", id, "--offset", prompt!.offset])).stdout).toMatch(/^> remember the pelican\n/)

    const [reply] = await found("marmalade")
    expect(reply).toMatchObject({ agent: id, kind: "reply" })
    const fromReply = await eventsFrom(reply!.offset)
    expect(fromReply[0]!.offset > reply!.offset).toBe(true)
    const readable = (await agents.iterate(["events", id, "--offset", reply!.offset])).stdout
    expect(readable).toContain("The marmalade answer is ready.")
    expect(readable).not.toContain("> and run the script")

    // The command printed zebrafish-42: its output, not its input, holds the 42.
    const [output] = await found("zebrafish 42")
    expect(output).toMatchObject({ agent: id, kind: "tool" })
    expect(output!.snippet).toContain("zebrafish-42")
    expect((await agents.iterate(["events", id, "--offset", output!.offset])).stdout).toContain("✓ bash echo zebrafish-$((40+2))")

    // The write's tool call, its diff and the permission it asked for are one message: one hit.
    const [path] = await found("notes/quokka.md")
    expect(path).toMatchObject({ agent: id, kind: expect.stringMatching(/^(tool|file|permission)$/) })
    expect(path!.snippet).toContain("quokka.md")
    expect((await agents.iterate(["events", id, "--offset", path!.offset])).stdout).toMatch(
      /^\? edit notes\/quokka\.md — asks for permission \(perm_\w+\)\n✓ allowed: edit notes\/quokka\.md .*\n✓ write \S*notes\/quokka\.md \(\+1 −0\)\n/,
    )
  })

  test("the text output marks matches «like this» in a pipe; filters narrow it; bad input is one line", async () => {
    const { stdout, stderr } = await agents.iterate(["search", "pelican"])
    expect(stdout).toBe(`project (${id}) · ${(await search("pelican"))[0]!.createdAt.replace("T", " ").replace(/\.\d+Z$/, " UTC")} · prompt · --offset 0000000000000000\n  remember the «pelican»\n`)
    expect(stderr).toContain(`open one with: iterate events project --offset 0000000000000000`)
    expect(await search("pelican", "--harness", "opencode", "--since", "1h", "--agent", "project")).toHaveLength(1)
    expect(await search("pelican", "--since", "2999-01-01")).toEqual([])
    expect((await agents.iterate(["search", "nothing-like-this-anywhere"])).stderr).toBe("no matches\n")

    expect((await agents.iterate(["search", "pelican", "--since", "yesterday"], { code: 2 })).stderr).toContain("--since must be a span like 30m, 24h, 7d or 2w")
    expect((await agents.iterate(["search", "!!!"], { code: 1 })).stderr).toBe("iterate: the query has no word to search for\n")
    expect((await agents.iterate(["search", "pelican", "--agent", "nobody"], { code: 1 })).stderr).toBe("iterate: no agent named nobody\n")
    expect((await agents.iterate(["search", "pelican", "--harness", "nope"], { code: 1 })).stderr).toMatch(/^iterate: unknown harness nope; available: /)
    const bad = await agents.sandbox.api("/v1/search?q=pelican&since=soon")
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ error: { code: "invalid_request", message: expect.stringContaining("since must be") } })
    expect((await agents.sandbox.api("/v1/search?q=pelican&limit=0")).status).toBe(400)
  })

  test("export: Markdown by default, jsonl the raw events, one self-contained HTML file, --all a folder", async () => {
    const md = (await agents.iterate(["export", "project"])).stdout
    expect(md).toMatch(/^# project\n\n- agent \w+ · opencode/)
    expect(md).toContain("> remember the pelican")
    expect(md).toContain("```diff\n--- /dev/null\n")
    expect(md).toContain("+about quokkas")
    expect(md).toContain("**✓ bash echo zebrafish-$((40+2))**")
    expect(md).toContain("zebrafish-42")
    expect(md).toContain("> **Permission** (bash): run `echo zebrafish-$((40+2))`")
    expect(md).toContain("The marmalade answer is ready.")

    const all = await agents.events(id)
    const jsonl = (await agents.iterate(["export", id, "--format", "jsonl"])).stdout.trim().split("\n").map((line) => JSON.parse(line))
    expect(jsonl.slice(0, all.length)).toEqual(all)

    const file = join(agents.sandbox.dir, "project.html")
    expect((await agents.iterate(["export", "project", "--format", "html", "-o", file])).stderr).toBe(`wrote ${file}\n`)
    const html = await Bun.file(file).text()
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).toContain("The marmalade answer is ready.")
    expect(html).not.toMatch(/<script|src=|href=/)

    const folder = join(agents.sandbox.dir, "exported")
    await agents.iterate(["export", "--all", folder])
    expect(await Bun.file(join(folder, "project.md")).text()).toBe(md)

    expect((await agents.iterate(["export"], { code: 2 })).stderr).toBe("iterate: name the agent to export (or --all DIR for every agent)\n")
    expect((await agents.iterate(["export", "nobody"], { code: 1 })).stderr).toBe("iterate: no agent named nobody (see: iterate agents)\n")
    expect((await agents.iterate(["export", "project", "--format", "pdf"], { code: 2 })).stderr).toContain("--format must be one of md, html, jsonl")
  })

  test("agents rm archives: gone from the list, listed by --all, still searched, read and exported; prompts refused; the name stays taken", async () => {
    expect((await agents.iterate(["agents", "rm", "project"])).stderr).toContain("archived agent project")
    expect(JSON.parse((await agents.iterate(["agents", "--json"])).stdout)).toEqual([])
    const [archived] = JSON.parse((await agents.iterate(["agents", "--all", "--json"])).stdout)
    expect(archived).toMatchObject({ id, status: "archived", archivedAt: expect.any(String) })
    expect((await agents.iterate(["agents", "--all"])).stdout).toMatch(new RegExp(`^${id}\\s+project\\s+opencode\\s+archived\\s`, "m"))

    expect(await search("pelican")).toEqual([expect.objectContaining({ agent: id, archived: true })])
    expect((await agents.iterate(["events", "project"])).stdout).toMatch(/^> remember the pelican\n/)
    expect((await agents.iterate(["export", "project"])).stdout).toContain("The marmalade answer is ready.")

    expect((await agents.iterate(["prompt", "project", "hello?"], { code: 1 })).stderr).toBe(
      "iterate: agent project is archived; bring it back with: iterate agents restore project\n",
    )
    const refused = await agents.sandbox.api(`/v1/agents/${id}/prompt`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "hi" }) })
    expect(refused.status).toBe(409)
    expect((await agents.iterate(["agents", "new", "--dir", agents.project, "--name", "project"], { code: 1 })).stderr).toBe(
      "iterate: an archived agent is named project; bring it back with: iterate agents restore project, or free the name with: iterate agents rm --purge project\n",
    )
    expect((await agents.iterate(["agents", "rm", "project"], { code: 1 })).stderr).toBe(
      "iterate: agent project is archived already; delete it for good with: iterate agents rm --purge project\n",
    )
  })

  test("agents restore brings it back: listed again, and its next prompt continues the harness session", async () => {
    expect((await agents.iterate(["agents", "restore", "project"])).stderr).toBe(`restored agent project (opencode in ${agents.project})\n`)
    expect(JSON.parse((await agents.iterate(["agents", "--json"])).stdout)).toEqual([expect.objectContaining({ id, status: "idle" })])
    stub.reply(text("Still here after the archive."))
    expect((await agents.iterate(["prompt", "project", "are you back?"])).stdout).toBe("Still here after the archive.\n")
    expect(JSON.stringify(stub.turns.at(-1)!.body.messages)).toContain("remember the pelican")
    expect((await agents.iterate(["agents", "restore", "project"], { code: 1 })).stderr).toBe("iterate: agent project is not archived\n")
  })

  test("agents rm --purge asks for --yes without a terminal, then deletes the agent, its stream and its hits", async () => {
    expect((await agents.iterate(["agents", "rm", "--purge", "project"], { code: 2 })).stderr).toBe(
      "iterate: agents rm --purge deletes project's transcript for good: pass --yes to do it without a terminal\n",
    )
    await found("still here after the archive")
    await agents.iterate(["agents", "rm", "--purge", "--yes", "project"])
    expect(JSON.parse((await agents.iterate(["agents", "--all", "--json"])).stdout)).toEqual([])
    expect((await agents.iterate(["streams", "--json"])).stdout).not.toContain(`agents/${id}`)
    expect(await search("pelican")).toEqual([])
    expect(await search("still here")).toEqual([])
    expect((await agents.iterate(["events", "project"], { code: 1 })).stderr).toBe("iterate: no agent named project (see: iterate agents)\n")
  })
})
