export interface Target {
  /** `<os>-<arch>[-baseline][-musl]`, the suffix of archive and npm package names */
  name: string
  /** npm's `os` value (process.platform) */
  os: "darwin" | "linux" | "win32"
  /** npm's `cpu` value (process.arch) */
  cpu: "x64" | "arm64"
  /** npm's `libc` value, Linux only */
  libc?: "glibc" | "musl"
  /** built for CPUs without AVX2 */
  baseline?: true
}
export const TARGETS: Target[]
export function exe(target: Target): string
export function archiveName(target: Target): string
export function candidates(): string[]
