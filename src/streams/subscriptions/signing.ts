import { createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, sign, timingSafeEqual } from "node:crypto"

// The signing material for subscriptions: an Ed25519 key that signs webhook bodies (its public
// half published as a JWKS), and an HMAC key for wake tokens, which let a webhook receiver or a
// pull-wake worker acknowledge its wake without the daemon's token. A daemon on SQLite makes new
// keys at every start; the nodes sharing a PostgreSQL store share one set, so any of them can
// check a token another issued.

const TOKEN_LIFETIME_S = 3600

export interface Jwk {
  kty: "OKP"
  crv: "Ed25519"
  x: string
  kid: string
  use: "sig"
  alg: "EdDSA"
}

export type TokenCheck = { valid: true; generation: number } | { valid: false; code: "TOKEN_INVALID" | "TOKEN_EXPIRED" }

export interface SigningKeys {
  /** the Ed25519 private key, PKCS#8 PEM */
  privateKey: string
  /** the HMAC key for wake tokens, base64url */
  hmacKey: string
}

export function newSigningKeys(): SigningKeys {
  const { privateKey } = generateKeyPairSync("ed25519")
  return { privateKey: privateKey.export({ format: "pem", type: "pkcs8" }).toString(), hmacKey: randomBytes(32).toString("base64url") }
}

export class Signer {
  readonly #privateKey: KeyObject
  readonly #hmacKey: Buffer
  readonly jwk: Jwk

  constructor(keys: SigningKeys) {
    this.#privateKey = createPrivateKey(keys.privateKey)
    this.#hmacKey = Buffer.from(keys.hmacKey, "base64url")
    const { x } = createPublicKey(this.#privateKey).export({ format: "jwk" }) as { x: string }
    // The key id is the key's RFC 7638 thumbprint, so it changes exactly when the key does.
    const kid = `ds_${createHash("sha256").update(JSON.stringify({ crv: "Ed25519", kty: "OKP", x })).digest("base64url")}`
    this.jwk = { kty: "OKP", crv: "Ed25519", x, kid, use: "sig", alg: "EdDSA" }
  }

  /** The Webhook-Signature header for a body: `t=<unix seconds>,kid=<key id>,ed25519=<signature of "t.body">`. */
  signWebhook(body: string): string {
    const t = Math.floor(Date.now() / 1000)
    const signature = sign(null, Buffer.from(`${t}.${body}`), this.#privateKey).toString("base64url")
    return `t=${t},kid=${this.jwk.kid},ed25519=${signature}`
  }

  /** A token for one wake (`generation`) of one subscription. */
  token(subscriptionId: string, generation: number): string {
    const claims = { sub: subscriptionId, gen: generation, exp: Math.floor(Date.now() / 1000) + TOKEN_LIFETIME_S, n: randomBytes(6).toString("hex") }
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url")
    return `${payload}.${this.#mac(payload)}`
  }

  check(token: string, subscriptionId: string): TokenCheck {
    const [payload, mac, extra] = token.split(".")
    if (!payload || !mac || extra !== undefined) return { valid: false, code: "TOKEN_INVALID" }
    const expected = Buffer.from(this.#mac(payload))
    const given = Buffer.from(mac)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { valid: false, code: "TOKEN_INVALID" }
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as { sub: string; gen: number; exp: number }
    if (claims.sub !== subscriptionId) return { valid: false, code: "TOKEN_INVALID" }
    if (claims.exp < Date.now() / 1000) return { valid: false, code: "TOKEN_EXPIRED" }
    return { valid: true, generation: claims.gen }
  }

  #mac(payload: string): string {
    return createHmac("sha256", this.#hmacKey).update(payload).digest("base64url")
  }
}
