"use strict"
// The release targets and how to pick one for this machine. Plain CommonJS so the npm launcher runs on
// any Node without a build step; scripts/build.ts and the tests import this same list.

const fs = require("node:fs")
const childProcess = require("node:child_process")

/** @type {import("./targets").Target[]} */
const TARGETS = [
  { name: "darwin-arm64", os: "darwin", cpu: "arm64" },
  { name: "darwin-x64", os: "darwin", cpu: "x64" },
  { name: "darwin-x64-baseline", os: "darwin", cpu: "x64", baseline: true },
  { name: "linux-x64", os: "linux", cpu: "x64", libc: "glibc" },
  { name: "linux-x64-baseline", os: "linux", cpu: "x64", libc: "glibc", baseline: true },
  { name: "linux-arm64", os: "linux", cpu: "arm64", libc: "glibc" },
  { name: "linux-x64-musl", os: "linux", cpu: "x64", libc: "musl" },
  { name: "linux-x64-baseline-musl", os: "linux", cpu: "x64", libc: "musl", baseline: true },
  { name: "linux-arm64-musl", os: "linux", cpu: "arm64", libc: "musl" },
  { name: "windows-x64", os: "win32", cpu: "x64" },
  { name: "windows-x64-baseline", os: "win32", cpu: "x64", baseline: true },
]

function exe(target) {
  return target.os === "win32" ? "iterate.exe" : "iterate"
}

function archiveName(target) {
  return `iterate-${target.name}${target.os === "win32" ? ".zip" : ".tar.gz"}`
}

function sysctl(name) {
  try {
    return childProcess.execFileSync("sysctl", ["-n", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
  } catch {
    return ""
  }
}

// glibc exposes its version in the process report; musl does not. Network details are excluded
// because collecting them can take seconds on some hosts.
function libc() {
  if (process.platform !== "linux") return undefined
  process.report.excludeNetwork = true
  return process.report.getReport().header.glibcVersionRuntime ? "glibc" : "musl"
}

// undefined means "cannot tell cheaply" (Windows): the caller then tries the fast build and falls back.
function avx2(os) {
  if (os === "linux") {
    try {
      return /^flags\s*:.*\bavx2\b/m.test(fs.readFileSync("/proc/cpuinfo", "utf8"))
    } catch {
      return false
    }
  }
  if (os === "darwin") return /\bAVX2\b/i.test(sysctl("machdep.cpu.leaf7_features"))
  return undefined
}

/**
 * The targets that can run here, best first. An x64 Node under Rosetta prefers the native arm64
 * build; a CPU without AVX2 gets only baseline builds.
 */
function candidates() {
  const os = process.platform
  const cpu = process.arch
  const machineLibc = libc()
  const prefer = []
  if (os === "darwin" && cpu === "x64" && sysctl("sysctl.proc_translated") === "1") prefer.push("darwin-arm64")
  const hasAvx2 = cpu === "x64" ? avx2(os) : true
  for (const target of TARGETS) {
    if (target.os !== os || target.cpu !== cpu || target.libc !== machineLibc) continue
    if (target.baseline || hasAvx2 !== false) prefer.push(target.name)
  }
  // TARGETS lists each fast build before its baseline twin, so when AVX2 is unknown (Windows) the
  // fast build is tried first and baseline is the fallback.
  return prefer
}

module.exports = { TARGETS, exe, archiveName, candidates }
