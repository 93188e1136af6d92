// A throwaway opencode project wired to the LLM stub: its own folder, its own HOME and XDG dirs
// (so nothing of the developer's opencode setup leaks in or gets written), and an opencode.json
// whose only provider is the stub.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll } from "vitest"
import { platformBinary } from "../../src/harness/opencode/binary.ts"
import type { LlmStub } from "./llm-stub.ts"

export const STUB_MODEL = "stub/stub-model"

export interface OpencodeProject {
  /** The project folder opencode works in. */
  directory: string
  /** Where the harness writes opencode's log. */
  logDir: string
  /** The environment additions that make opencode use the throwaway HOME and XDG dirs. */
  env: Record<string, string | undefined>
}

/** opencode from the `opencode-ai` devDependency, taken from its platform package. */
export function testOpencodeBinary(): string {
  const pkg = createRequire(import.meta.url).resolve("opencode-ai/package.json")
  const binary = platformBinary(dirname(pkg))
  if (!binary) throw new Error("opencode-ai's platform package is not installed: run `bun install`")
  return binary
}

// opencode installs @opencode-ai/plugin into its config folder in the background; sharing npm's
// cache across throwaway homes saves fetching the tarballs again for every project.
const NPM_CACHE = fileURLToPath(new URL("../../.tmp/opencode-npm-cache", import.meta.url))

/** A project for a whole test file: made before the first test (after the stub starts), removed at the end. */
export function useOpencodeProject(stub: LlmStub): OpencodeProject {
  const project = {} as OpencodeProject
  let root = ""
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "iterate-opencode-"))
    Object.assign(project, createProject(root, stub.url))
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  return project
}

/**
 * Keeps opencode off the network (there is none here besides npm) and away from a developer's own
 * opencode settings; HOME and the XDG folders are the caller's to point somewhere throwaway.
 */
export const OPENCODE_ENV: Record<string, string | undefined> = {
  npm_config_cache: NPM_CACHE,
  OPENCODE_DISABLE_MODELS_FETCH: "1",
  OPENCODE_DISABLE_AUTOUPDATE: "1",
  OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
  OPENCODE_CONFIG: undefined,
  OPENCODE_CONFIG_DIR: undefined,
  OPENCODE_CONFIG_CONTENT: undefined,
}

/**
 * An opencode.json in `directory` whose only provider (and model) is the stub. It allows edits and
 * commands, as many projects do; iterate's session rules make opencode ask for them anyway.
 */
export function writeProjectConfig(directory: string, stubUrl: string): void {
  writeFileSync(
    join(directory, "opencode.json"),
    JSON.stringify(
      {
        $schema: "https://opencode.ai/config.json",
        provider: {
          stub: {
            npm: "@ai-sdk/openai-compatible",
            name: "LLM stub",
            options: { baseURL: stubUrl, apiKey: "stub" },
            models: { "stub-model": { name: "Stub model" } },
          },
        },
        model: STUB_MODEL,
        small_model: STUB_MODEL,
        permission: { edit: "allow", bash: "allow" },
        autoupdate: false,
        share: "disabled",
      },
      null,
      2,
    ),
  )
}

/** A project folder in `root` wired to the stub, with a HOME and XDG folders of its own there. */
export function createProject(root: string, stubUrl: string): OpencodeProject {
  const home = join(root, "home")
  const directory = join(root, "project")
  mkdirSync(home)
  mkdirSync(directory)
  writeProjectConfig(directory, stubUrl)
  return {
    directory,
    logDir: join(root, "logs"),
    env: {
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
      XDG_DATA_HOME: join(home, ".local", "share"),
      XDG_CACHE_HOME: join(home, ".cache"),
      XDG_STATE_HOME: join(home, ".local", "state"),
      ...OPENCODE_ENV,
    },
  }
}
