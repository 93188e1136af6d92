// What takes a daemon's harnesses along when the daemon dies outright (kill -9, the OOM killer):
// harness processes run in process groups and sessions of their own (tree.ts), so nothing else
// would, and Bun offers no PR_SET_PDEATHSIG. One small `sh` per daemon (~1.7 MB resident, nothing
// per harness process) reads a pipe only the daemon holds; end of file comes the moment the daemon
// is gone, whatever killed it. Then it stops every process that still carries the daemon's run
// marker in the environment it started with: the daemon sets the marker in its own environment,
// which every process it starts inherits, and so do the commands those run, including the ones
// opencode starts in sessions of their own (setsid), and orphans whose parent died first. It
// sends SIGTERM to each (to its process group too when it leads one), waits up to a second, then
// SIGKILL to what is left. The daemon ends the pipe itself once it has stopped its harnesses, so
// anything that escaped that is stopped the same way.
import { DAEMON_RUN_ENV } from "../../os/process.ts"

// $1: NAME=value of the marker; $2: the daemon's pid, for the log line. Its own environment lacks
// the marker (and its argv is in no environment), so neither it nor what it runs is a match.
// Without /proc (macOS), `ps -E` appends each process's environment to its command line.
const SCRIPT = `# iterate's watchdog: once daemon $2 is gone, stop what it started
marker=$1 daemon=$2
while read -r _; do :; done
marked() {
  if [ -d /proc/self ]; then
    grep -lsF -e "$marker" /proc/[0-9]*/environ | while IFS=/ read -r _ _ pid _; do echo "$pid"; done
  else
    ps -AwwE -o pid= -o command= | while read -r pid line; do case $line in *"$marker"*) echo "$pid" ;; esac; done
  fi
}
signal() {
  for pid in $(marked); do kill -s "$1" -- "-$pid" "$pid" 2>/dev/null; done
}
pids=$(marked)
[ -n "$pids" ] || exit 0
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) warn watchdog: daemon $daemon is gone; stopping the processes it started:" $pids >&2
signal TERM
i=0
while [ $i -lt 10 ] && [ -n "$(marked)" ]; do sleep 0.1; i=$((i + 1)); done
signal KILL
`

/** A watchdog that died sooner than this after its start is not started again: it cannot work here. */
const STEADY_MS = 10_000

export interface Watchdog {
  /** The daemon is done: whatever still carries its marker is stopped, as if it had died. */
  end(): void
}

/**
 * Marks `env` (the daemon's own environment, which everything it starts inherits) with a value of
 * this run and starts the watchdog; a watchdog that dies is started again. None on Windows, or
 * where `sh` cannot run: there the next daemon stops what this one left (Harness.stopOrphan).
 */
export function startWatchdog(env: Record<string, string | undefined>, daemonPid = process.pid): Watchdog {
  if (process.platform === "win32") return { end: () => {} }
  const marker = `${DAEMON_RUN_ENV}=${crypto.randomUUID()}`
  env[DAEMON_RUN_ENV] = marker.slice(DAEMON_RUN_ENV.length + 1)
  let child: Bun.Subprocess<"pipe", "ignore", "inherit"> | undefined
  let ended = false
  const start = () => {
    try {
      child = Bun.spawn(["sh", "-c", SCRIPT, "watchdog", marker, String(daemonPid)], {
        env: { ...env, [DAEMON_RUN_ENV]: undefined },
        stdin: "pipe",
        stdout: "ignore",
        stderr: "inherit",
        // Its own session: a Ctrl-C meant for a foreground daemon, or a signal to its group, leaves it be.
        detached: true,
      })
    } catch (error) {
      console.warn(`no watchdog (harness processes would outlive a killed daemon until the next one starts): ${(error as Error).message}`)
      return
    }
    const started = Date.now()
    const watched = child
    watched.unref()
    void watched.exited.then((code) => {
      if (ended || child !== watched) return
      const steady = Date.now() - started >= STEADY_MS
      console.warn(`the watchdog (pid ${watched.pid}) exited (${watched.signalCode ?? `code ${code}`}); ${steady ? "starting it again" : "not starting it again"}`)
      if (steady) start()
    })
  }
  start()
  return {
    end() {
      ended = true
      try {
        void child?.stdin.end()
      } catch {
        // it is gone already
      }
    },
  }
}
