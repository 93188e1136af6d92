// The service files' rendering, in process: what needs no program to read it back (those that do
// are in test/e2e/service/render.test.ts).
import { expect, test } from "vitest"
import { renderLaunchdPlist, type ServiceSpec, systemdExecWord } from "../../../src/cli/service/render.ts"

const spec: ServiceSpec = {
  command: ["/opt/iterate/bin/iterate", "serve", "--port", "4096"],
  environment: { PATH: "/usr/bin:/bin" },
  secrets: { ITERATE_SERVER_PASSWORD: "secret" },
  environmentFile: "/home/me/.config/iterate/service.env",
  logFile: "/home/me/.local/state/iterate/log/daemon.log",
}

test("a control character that XML cannot hold is refused rather than written into a broken plist", () => {
  expect(() => renderLaunchdPlist({ ...spec, secrets: { ITERATE_SERVER_PASSWORD: "a\x01b" } })).toThrow("cannot be written into a plist")
})

test("ExecStart words: specifiers and variables escaped, anything unusual quoted", () => {
  expect(systemdExecWord("/opt/iterate/bin/iterate", true)).toBe("/opt/iterate/bin/iterate")
  expect(systemdExecWord("/opt/100%/it$", true)).toBe('"/opt/100%%/it$"')
  expect(systemdExecWord("http://a.test")).toBe("http://a.test")
  expect(systemdExecWord(";")).toBe('";"')
  expect(systemdExecWord("")).toBe('""')
  expect(systemdExecWord(`a b"c\\d$e%f\n`)).toBe(`"a b\\"c\\\\d$$e%%f\\n"`)
})
