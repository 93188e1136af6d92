import { z } from "@hono/zod-openapi"

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "stream_not_found" }),
      message: z.string().openapi({ example: "no stream named demo" }),
    }),
  })
  .openapi("Error")

export const errorResponses = {
  400: { description: "Bad input", content: { "application/json": { schema: ErrorSchema } } },
  401: { description: "Missing or wrong credentials", content: { "application/json": { schema: ErrorSchema } } },
}

/** The stream routes' answer while a PostgreSQL store is out of reach (it says when to retry in Retry-After). */
export const storeUnavailableResponse = {
  503: { description: "The store's database cannot be reached right now; nothing was done, retry", content: { "application/json": { schema: ErrorSchema } } },
}

/** Any write may meet a full disk; the daemon refuses it and stays up. */
export const storageFullResponse = {
  507: { description: "The disk holding the data folder is full: nothing was written", content: { "application/json": { schema: ErrorSchema } } },
}

export const notFoundResponse = {
  404: { description: "Not found", content: { "application/json": { schema: ErrorSchema } } },
}

export const StreamNameParam = z.object({
  name: z.string().openapi({ param: { name: "name", in: "path" }, description: "stream name (may contain /, URL-encoded)" }),
})
