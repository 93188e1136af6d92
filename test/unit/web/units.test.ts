// The web UI's pure pieces, in process: the session cookie, where a login lands, login codes
// and sessions, the browser command, the configured roots.
import { describe, expect, test } from "vitest"
import { browserCommand } from "../../../src/cli/web.ts"
import { clearedCookie, cookieName, readSessionCookie, sessionCookie } from "../../../src/server/web/cookie.ts"
import { landing } from "../../../src/server/web/pages.ts"
import { WebSessions } from "../../../src/server/web/sessions.ts"
import { webRoots } from "../../../src/server/web/state.ts"

describe("the session cookie", () => {
  test("its name carries the port, since browsers share cookies across the ports of a host", () => {
    expect(cookieName("127.0.0.1:4096")).toBe("iterate_session_4096")
    expect(cookieName("[::1]:4096")).toBe("iterate_session_4096")
    expect(cookieName("iterate.example.com")).toBe("iterate_session")
  })

  test("is read from a Cookie header by its own name only", () => {
    const host = "127.0.0.1:4096"
    expect(readSessionCookie("a=1; iterate_session_4096=abc; iterate_session_5000=other", host)).toBe("abc")
    expect(readSessionCookie("iterate_session_5000=other", host)).toBeUndefined()
    expect(readSessionCookie("iterate_session_4096=", host)).toBeUndefined()
    expect(readSessionCookie(undefined, host)).toBeUndefined()
  })

  test("is HttpOnly, SameSite=Strict, Path=/, Secure only over https; clearing it expires it", () => {
    const at = Date.UTC(2030, 0, 1)
    expect(sessionCookie("h:1", "id", at, false)).toBe("iterate_session_1=id; Path=/; HttpOnly; SameSite=Strict; Expires=Tue, 01 Jan 2030 00:00:00 GMT")
    expect(sessionCookie("h:1", "id", at, true)).toMatch(/; Secure$/)
    expect(clearedCookie("h:1", false)).toContain("iterate_session_1=; Path=/; HttpOnly; SameSite=Strict; Expires=Thu, 01 Jan 1970")
  })
})

test("a login lands on a path of this server, never elsewhere", () => {
  expect(landing("/agents/k3x9qa")).toBe("/agents/k3x9qa")
  for (const elsewhere of [undefined, "", "//evil.example", "/\\evil.example", "https://evil.example", "agents", `/${"a".repeat(2001)}`])
    expect(landing(elsewhere)).toBe("/")
})

describe("login codes and sessions", () => {
  test("a code works once and carries where to land; a session checks until it is ended or revoked", () => {
    const sessions = new WebSessions(":memory:")
    const { code } = sessions.mintCode("/streams")
    const redeemed = sessions.redeem(code)!
    expect(redeemed.next).toBe("/streams")
    expect(sessions.redeem(code)).toBeUndefined()
    expect(sessions.redeem("made-up")).toBeUndefined()
    expect(sessions.check(redeemed.session.id)?.id).toBe(redeemed.session.id)
    expect(sessions.check("made-up")).toBeUndefined()

    const other = sessions.create()
    sessions.end(redeemed.session.id)
    expect(sessions.check(redeemed.session.id)).toBeUndefined()
    expect(sessions.check(other.id)).toBeDefined()
    const unused = sessions.mintCode("/")
    expect(sessions.revokeAll()).toBe(1)
    expect(sessions.check(other.id)).toBeUndefined()
    expect(sessions.redeem(unused.code)).toBeUndefined()
    sessions.close()
  })

  test("a code lives two minutes at most", () => {
    const sessions = new WebSessions(":memory:")
    const now = Date.now()
    expect(sessions.mintCode("/", 3600).expiresAt - now).toBeLessThanOrEqual(120_000 + 1000)
    sessions.close()
  })
})

test("the browser: $BROWSER first, else the platform's opener when it is installed", () => {
  expect(browserCommand("http://x/", { BROWSER: "firefox --new-tab" })).toEqual(["firefox", "--new-tab", "http://x/"])
  expect(browserCommand("http://x/", { PATH: "/nonexistent" }, "linux")).toBeUndefined()
})

test("web.roots: absolute paths, else the home folder (with a complaint)", () => {
  expect(webRoots({}, "/home/me")).toEqual(["/home/me"])
  expect(webRoots({ web: { roots: ["/srv/a", "/srv/b"] } }, "/home/me")).toEqual(["/srv/a", "/srv/b"])
  for (const roots of [["relative"], [], "nope", [1]]) expect(webRoots({ web: { roots } } as never, "/home/me")).toEqual(["/home/me"])
})
