// Reads just enough of ELF, Mach-O and PE headers to tell what a binary that cannot run here is for.

export function elf(bytes: Uint8Array): { machine: "x64" | "arm64" | number; interpreter?: string } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0) !== 0x7f454c46) throw new Error("not an ELF file")
  const code = view.getUint16(18, true)
  const machine = code === 62 ? "x64" : code === 183 ? "arm64" : code
  const programHeaders = Number(view.getBigUint64(32, true))
  const entrySize = view.getUint16(54, true)
  for (let i = 0; i < view.getUint16(56, true); i++) {
    const header = programHeaders + i * entrySize
    if (view.getUint32(header, true) !== 3) continue // PT_INTERP
    const offset = Number(view.getBigUint64(header + 8, true))
    const size = Number(view.getBigUint64(header + 32, true))
    return { machine, interpreter: new TextDecoder().decode(bytes.subarray(offset, offset + size - 1)) }
  }
  return { machine }
}

export function machO(bytes: Uint8Array): { cpu: "x64" | "arm64" | number; signed: boolean } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0, true) !== 0xfeedfacf) throw new Error("not a 64-bit Mach-O file")
  const code = view.getUint32(4, true)
  const cpu = code === 0x01000007 ? "x64" : code === 0x0100000c ? "arm64" : code
  let signed = false
  let offset = 32
  for (let i = 0; i < view.getUint32(16, true); i++) {
    if (view.getUint32(offset, true) === 0x1d) signed = true // LC_CODE_SIGNATURE: arm64 macOS runs nothing unsigned
    offset += view.getUint32(offset + 4, true)
  }
  return { cpu, signed }
}

export function pe(bytes: Uint8Array): { machine: "x64" | number; console: boolean } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const header = view.getUint32(0x3c, true)
  if (view.getUint32(header) !== 0x50450000) throw new Error("not a PE file")
  const code = view.getUint16(header + 4, true)
  const subsystem = view.getUint16(header + 24 + 68, true)
  return { machine: code === 0x8664 ? "x64" : code, console: subsystem === 3 }
}
