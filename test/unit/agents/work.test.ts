// An agent's files around its turns, in process: the daemon's agents layer (test/support/
// agents-layer.ts) with the scripted harness standing where opencode would, real git on real
// repositories. The worktree's setup runs before the first prompt reaches the harness (a failed
// one stops the turn, the next prompt runs it again), each turn starts with a snapshot, and the
// diff, revert, merge and rm of the agents layer work on them.
import { existsSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, test } from "vitest"
import type { Agents } from "../../../src/agents/agents.ts"
import { AgentStreams } from "../../../src/agents/stream.ts"
import type { HarnessAgent, HarnessEvents } from "../../../src/harness/harness.ts"
import { AgentsLayer } from "../../support/agents-layer.ts"
import { testRepo } from "../../support/git-repo.ts"
import { scratchDir } from "../../support/scratch.ts"
import { ScriptedHarness } from "../../support/scripted-harness.ts"
import { waitFor } from "../../support/wait.ts"

/** What the scripted harness does with a prompt: its agent, the prompt's text, and how to report. */
type Turn = (agent: HarnessAgent, text: string, events: HarnessEvents) => void | Promise<void>

const opened: AgentsLayer[] = []
afterEach(async () => {
  for (const layer of opened.splice(0)) await layer.close()
})

// Each daemon's stores, for reading an agent's events.
const layers = new WeakMap<Agents, AgentsLayer>()

async function daemon(turn: Turn): Promise<Agents> {
  const harness = new ScriptedHarness("scripted", { prompt: (session, input) => void turn(session.agent, input.text, session.events) })
  const layer = new AgentsLayer(scratchDir("daemon"), harness)
  await layer.start()
  opened.push(layer)
  layers.set(layer.agents, layer)
  return layer.agents
}

/** Prompts the agent and waits for the status that ends that turn. */
async function turn(agents: Agents, agent: string, text: string) {
  const prompt = await agents.prompt(agent, { text })
  return waitFor(`the end of the turn of "${text}"`, async () => {
    const events = await eventsOf(agents, agent)
    return events.find((e) => e.type === "iterate:agent:status:changed" && e.payload.prompt === prompt.offset && e.payload.status !== "busy")?.payload
  })
}

async function eventsOf(agents: Agents, agent: string): Promise<Array<{ offset: string; type: string; payload: any }>> {
  const streams = new AgentStreams(layers.get(agents)!.streams)
  return (await streams.read((await agents.get(agent)).stream, undefined, 10_000)) as Array<{ offset: string; type: string; payload: any }>
}

const writes = (file: string, content: string): Turn => (agent, _, events) => {
  Bun.write(join(agent.directory, file), content).then(() => events.turnEnded({ status: "idle" }))
}

describe("a worktree agent's turns", () => {
  test("setup runs before the first prompt reaches the harness, with its output on the stream; the turn's change shows in its diff, not in the checkout", async () => {
    const repo = testRepo({ "iterate.json": JSON.stringify({ worktree: { setup: "echo preparing; sleep 0.3; touch .ready" } }), ".gitignore": ".ready\n" })
    const seen: boolean[] = []
    const agents = await daemon((agent, text, events) => {
      seen.push(existsSync(join(agent.directory, ".ready")))
      return writes("hello.txt", `${text}\n`)(agent, text, events)
    })
    const agent = await agents.create({ harness: "scripted", directory: repo.root, worktree: true, nameFrom: "add a --verbose flag" })
    expect(agent).toMatchObject({ name: "verbose-flag", worktree: { branch: "iterate/verbose-flag", base: "main", setup: "pending" } })
    expect(agent.directory).toBe(agent.worktree!.path)

    expect(await turn(agents, agent.id, "hello")).toEqual({ status: "idle", prompt: expect.any(String) })
    expect(seen).toEqual([true])
    const types = (await eventsOf(agents, agent.id)).map((e) => e.type)
    expect(types.slice(0, 2)).toEqual(["iterate:agent:worktree:created", "iterate:agent:worktree:script:started"])
    expect(types.indexOf("iterate:agent:worktree:script:ended")).toBeLessThan(types.lastIndexOf("iterate:agent:status:changed"))
    expect((await agents.get(agent.id)).worktree!.setup).toBe("done")

    const diff = await agents.diff(agent.id)
    expect(diff.files.map((f) => [f.path, f.status])).toEqual([["hello.txt", "added"]])
    expect(diff.patch).toContain("+hello")
    expect(repo.status()).toBe("")
    expect(existsSync(join(repo.root, "hello.txt"))).toBe(false)
  })

  test("a failing setup ends the first turn in an error that says so, before the harness gets the prompt; the next prompt runs it again", async () => {
    const repo = testRepo({ "iterate.json": JSON.stringify({ worktree: { setup: "echo 'no .env here' >&2; exit 1" } }) })
    const prompts: string[] = []
    const agents = await daemon((agent, text, events) => {
      prompts.push(text)
      events.turnEnded({ status: "idle" })
    })
    const agent = await agents.create({ harness: "scripted", directory: repo.root, worktree: true, name: "broken" })
    expect(await turn(agents, agent.id, "first")).toEqual({
      status: "error",
      prompt: expect.any(String),
      error: "the worktree's setup command (echo 'no .env here' >&2; exit 1) exited with 1: no .env here; the next prompt runs it again",
    })
    expect(prompts).toEqual([])
    expect((await agents.get(agent.id)).worktree!.setup).toBe("failed")

    repo.write("iterate.json", JSON.stringify({ worktree: { setup: "true" } }))
    expect((await turn(agents, agent.id, "second")).status).toBe("idle")
    expect(prompts).toEqual(["second"])
    const ended = (await eventsOf(agents, agent.id)).filter((e) => e.type === "iterate:agent:worktree:script:ended").map((e) => e.payload.exitCode)
    expect(ended).toEqual([1, 0])
  })

  test("revert is refused while a turn runs and undoes the last turn after; merge lands it; rm --purge refuses unmerged work and then leaves nothing behind", async () => {
    const repo = testRepo({ "a.txt": "a\n" })
    let release: (() => void) | undefined
    const agents = await daemon((agent, text, events) => {
      if (text === "slow") return void (release = () => events.turnEnded({ status: "idle" }))
      return writes(`${text}.txt`, `${text}\n`)(agent, text, events)
    })
    const agent = await agents.create({ harness: "scripted", directory: repo.root, worktree: true, name: "w" })
    await turn(agents, agent.id, "one")
    await turn(agents, agent.id, "two")
    expect((await agents.diff(agent.id, { last: true, stat: true })).files.map((f) => f.path)).toEqual(["two.txt"])

    await agents.prompt(agent.id, { text: "slow" })
    await waitFor("the harness to take the slow prompt", () => release)
    await expect(agents.revert(agent.id)).rejects.toMatchObject({ code: "agent_busy" })
    await expect(agents.merge(agent.id)).rejects.toMatchObject({ code: "agent_busy" })
    release!()
    await waitFor("the slow turn to end", async () => (await agents.get(agent.id)).status === "idle")

    // The last turn (slow) changed nothing; turn 2 made two.txt.
    expect((await agents.revert(agent.id, { turn: 2 })).files).toEqual([{ path: "two.txt", status: "deleted" }])
    expect(existsSync(join(agent.directory, "two.txt"))).toBe(false)
    expect((await eventsOf(agents, agent.id)).at(-1)).toMatchObject({ type: "iterate:agent:files:reverted", payload: { turn: 2 } })

    await expect(agents.remove(agent.id, { purge: true })).rejects.toMatchObject({ code: "unmerged_work", message: expect.stringContaining("1 file would be lost") })
    expect((await agents.get(agent.id)).status).toBe("idle")
    // Merged with the first prompt as its message.
    expect(await agents.merge(agent.id)).toMatchObject({ branch: "iterate/w", base: "main", fastForward: true, files: 1 })
    expect(repo.git(["log", "-1", "--format=%s"]).trim()).toBe("one")
    expect(repo.read("one.txt")).toBe("one\n")
    await agents.remove(agent.id, { purge: true })
    expect(repo.git(["worktree", "list", "--porcelain"])).not.toContain(agent.worktree!.path)
    expect(repo.git(["branch", "--list", "iterate/w"])).toBe("")
    expect(existsSync(agent.worktree!.path)).toBe(false)
    await expect(agents.get(agent.id)).rejects.toMatchObject({ code: "agent_not_found" })
  })
})

describe("an agent in a checkout", () => {
  test("its diff counts from a snapshot taken when it was made; merge and push need a worktree", async () => {
    const repo = testRepo({ "a.txt": "a\n" })
    repo.write("a.txt", "the person's own edit\n")
    const agents = await daemon(writes("made.txt", "by the agent\n"))
    const agent = await agents.create({ harness: "scripted", directory: repo.root, name: "here" })
    expect(agent.worktree).toBeUndefined()
    await turn(agents, agent.id, "go")
    const diff = await agents.diff(agent.id, { stat: true })
    expect(diff).toMatchObject({ since: "the agent's start", files: [{ path: "made.txt", status: "added", additions: 1, deletions: 0 }], additions: 1, deletions: 0 })
    await expect(agents.merge(agent.id)).rejects.toMatchObject({ code: "no_worktree" })
    expect(await agents.revert(agent.id)).toMatchObject({ turn: 1, files: [{ path: "made.txt", status: "deleted" }] })
    expect(repo.read("a.txt")).toBe("the person's own edit\n")

    const plain = scratchDir("plain")
    const outside = await agents.create({ harness: "scripted", directory: plain, name: "outside" })
    await expect(agents.diff(outside.id)).rejects.toMatchObject({ code: "not_a_repository" })
  })

  test("rm archives a worktree agent with unmerged work: its worktree and branch go, its work is kept, and restore makes the worktree again with it", async () => {
    const repo = testRepo({ "iterate.json": JSON.stringify({ worktree: { setup: "touch .ready" } }), ".gitignore": ".ready\n" })
    const agents = await daemon(writes("work.txt", "unmerged work\n"))
    const agent = await agents.create({ harness: "scripted", directory: repo.root, worktree: true, name: "keeper" })
    await turn(agents, agent.id, "work")
    await agents.remove(agent.id)
    const worktree = agent.worktree!
    expect((await agents.get(agent.id)).status).toBe("archived")
    expect(existsSync(worktree.path)).toBe(false)
    expect(repo.git(["branch", "--list", worktree.branch])).toBe("")
    expect(repo.git(["show", `refs/iterate/${agent.id}/final:work.txt`])).toBe("unmerged work\n")

    const restored = await agents.restore(agent.id)
    expect(restored).toMatchObject({ status: "idle", worktree: { branch: worktree.branch, setup: "pending" } })
    expect(await Bun.file(join(worktree.path, "work.txt")).text()).toBe("unmerged work\n")
    expect(repo.git(["branch", "--list", worktree.branch]).trim()).toBe(`+ ${worktree.branch}`)
    // The setup runs again before the next turn: what it made was not kept.
    await turn(agents, agent.id, "again")
    expect(existsSync(join(worktree.path, ".ready"))).toBe(true)
  })

  test("restore says plainly when an archived agent's worktree cannot be made again", async () => {
    const repo = testRepo({ "a.txt": "a\n" })
    const agents = await daemon(writes("b.txt", "b\n"))
    const agent = await agents.create({ harness: "scripted", directory: repo.root, worktree: true, name: "gone" })
    await agents.remove(agent.id)
    repo.git(["update-ref", "-d", `refs/iterate/${agent.id}/final`])
    await expect(agents.restore(agent.id)).rejects.toMatchObject({
      code: "cannot_restore",
      message: `agent gone cannot run here: its worktree was removed, and refs/iterate/${agent.id}/final (its last state) is not in ${repo.root}; it stays archived, and iterate events gone and iterate export gone still read it`,
    })
    expect((await agents.get(agent.id)).status).toBe("archived")
  })

})
