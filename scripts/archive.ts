// Writers for the two archive formats we publish. Bun.Archive drops file modes (the binary must stay
// executable in .tar.gz and npm tarballs) and cannot write zip, so both are written here, byte for byte
// the same for the same input.

export interface Entry {
  path: string
  data: Uint8Array<ArrayBuffer>
  /** POSIX permission bits */
  mode: number
}

const encoder = new TextEncoder()

const concat = (parts: Uint8Array[]) => new Uint8Array(Bun.concatArrayBuffers(parts))

function tarHeader(entry: Entry, mtime: number): Uint8Array {
  const header = new Uint8Array(512)
  const put = (offset: number, text: string) => header.set(encoder.encode(text), offset)
  const octal = (offset: number, width: number, value: number) =>
    put(offset, value.toString(8).padStart(width - 1, "0") + "\0")
  if (encoder.encode(entry.path).length > 100) throw new Error(`tar entry name too long: ${entry.path}`)
  put(0, entry.path)
  octal(100, 8, entry.mode)
  octal(108, 8, 0)
  octal(116, 8, 0)
  octal(124, 12, entry.data.length)
  octal(136, 12, mtime)
  put(148, "        ")
  put(156, "0")
  put(257, "ustar\0" + "00")
  const checksum = header.reduce((sum, byte) => sum + byte, 0)
  put(148, checksum.toString(8).padStart(6, "0") + "\0 ")
  return header
}

/** A gzip-compressed ustar archive. */
export function tarGz(entries: Entry[], mtime: number): Uint8Array {
  const parts: Uint8Array[] = []
  for (const entry of entries) {
    parts.push(tarHeader(entry, mtime), entry.data, new Uint8Array((512 - (entry.data.length % 512)) % 512))
  }
  parts.push(new Uint8Array(1024))
  return Bun.gzipSync(concat(parts), { level: 6, library: "libdeflate" })
}

function dosDateTime(seconds: number): { time: number; date: number } {
  const d = new Date(seconds * 1000)
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  }
}

/** A zip archive with deflated entries (no zip64: every entry is far below 4 GiB). */
export function zip(entries: Entry[], mtime: number): Uint8Array {
  const { time, date } = dosDateTime(mtime)
  const locals: Uint8Array[] = []
  const centrals: Uint8Array[] = []
  let offset = 0
  for (const entry of entries) {
    const name = encoder.encode(entry.path)
    const data = Bun.deflateSync(entry.data, { level: 6, library: "libdeflate" })
    const crc = Bun.hash.crc32(entry.data)
    const local = new DataView(new ArrayBuffer(30))
    local.setUint32(0, 0x04034b50, true)
    local.setUint16(4, 20, true)
    local.setUint16(6, 0x0800, true) // names are UTF-8
    local.setUint16(8, 8, true) // deflate
    local.setUint16(10, time, true)
    local.setUint16(12, date, true)
    local.setUint32(14, crc, true)
    local.setUint32(18, data.length, true)
    local.setUint32(22, entry.data.length, true)
    local.setUint16(26, name.length, true)
    const central = new DataView(new ArrayBuffer(46))
    central.setUint32(0, 0x02014b50, true)
    central.setUint16(4, (3 << 8) | 20, true) // made by Unix, so the mode in the external attributes counts
    // central bytes 6..29 repeat local bytes 4..27 (version needed … name length)
    for (let i = 6; i < 30; i++) central.setUint8(i, local.getUint8(i - 2))
    central.setUint32(38, ((0o100000 | entry.mode) << 16) >>> 0, true)
    central.setUint32(42, offset, true)
    locals.push(new Uint8Array(local.buffer), name, data)
    centrals.push(new Uint8Array(central.buffer), name)
    offset += 30 + name.length + data.length
  }
  const directory = concat(centrals)
  const end = new DataView(new ArrayBuffer(22))
  end.setUint32(0, 0x06054b50, true)
  end.setUint16(8, entries.length, true)
  end.setUint16(10, entries.length, true)
  end.setUint32(12, directory.length, true)
  end.setUint32(16, offset, true)
  return concat([...locals, directory, new Uint8Array(end.buffer)])
}
