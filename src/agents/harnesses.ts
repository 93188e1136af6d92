// Which harnesses this daemon can run, found the way the user configured them.
import { findOpencodeBinary, opencodeVersion } from "../harness/opencode/index.ts"

export const HARNESS_NAMES = ["opencode"] as const

export interface HarnessInfo {
  name: string
  available: boolean
  binary?: string
  version?: string
  /** why it is not available, and how to fix that */
  problem?: string
}

export class HarnessUnavailableError extends Error {}

export interface HarnessSettings {
  /** config `harnesses.opencode.binary` */
  opencodeBinary?: string
  /** why the config file could not be used, if it could not */
  configProblem?: string
}

export class Harnesses {
  // `opencode --version` takes a second: asked once per binary.
  private readonly versions = new Map<string, Promise<string>>()

  constructor(readonly settings: HarnessSettings) {}

  /** The opencode executable to run; throws HarnessUnavailableError saying how to get one. */
  opencodeBinary(): string {
    if (this.settings.configProblem) throw new HarnessUnavailableError(this.settings.configProblem)
    try {
      return findOpencodeBinary(this.settings.opencodeBinary)
    } catch (error) {
      throw new HarnessUnavailableError((error as Error).message)
    }
  }

  async list(): Promise<HarnessInfo[]> {
    let binary: string
    try {
      binary = this.opencodeBinary()
    } catch (error) {
      return [{ name: "opencode", available: false, problem: (error as Error).message }]
    }
    let version = this.versions.get(binary)
    if (!version) this.versions.set(binary, (version = opencodeVersion(binary)))
    try {
      return [{ name: "opencode", available: true, binary, version: await version }]
    } catch (error) {
      this.versions.delete(binary)
      return [{ name: "opencode", available: false, binary, problem: (error as Error).message }]
    }
  }
}
