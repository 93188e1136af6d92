import { connect, type Socket } from "node:net"

/**
 * A TCP connection to a server that speaks HTTP only as far as the test writes it, for what fetch
 * cannot do: half-sent headers or bodies, and watching when the server hangs up.
 */
export class RawConnection {
  readonly socket: Socket
  received = ""
  readonly closed: Promise<void>
  #open = true

  constructor(url: string) {
    const { hostname, port } = new URL(url)
    this.socket = connect(Number(port), hostname)
    this.socket.setEncoding("utf8")
    this.socket.on("data", (chunk: string) => (this.received += chunk))
    // A reset is a way of hanging up too.
    this.socket.on("error", () => {})
    this.closed = new Promise((resolve) => this.socket.on("close", () => resolve()))
    void this.closed.then(() => (this.#open = false))
  }

  get open(): boolean {
    return this.#open
  }

  /**
   * Resolves once the bytes are handed to the kernel, so they reach the server before anything sent
   * later. Writing after the server hung up is not an error here: hanging up is what tests watch for.
   */
  write(data: string): Promise<void> {
    return new Promise((resolve) => this.socket.write(data, () => resolve()))
  }

  /** The status code of the first response, once its status line has arrived. */
  get status(): number | undefined {
    const match = /^HTTP\/1\.1 (\d{3})/.exec(this.received)
    return match ? Number(match[1]) : undefined
  }

  destroy(): void {
    this.socket.destroy()
  }
}
