// An ACP prompt (content blocks) as the one text an iterate prompt action holds. Harnesses take
// text only, so a mention (resource_link) stays in the text as its path, and an embedded resource
// (the editor's copy of a file, with embeddedContext) is that path too, with its text appended
// as context after the message. Images and audio are not advertised, so a client sends none.
import type { ContentBlock } from "@agentclientprotocol/sdk"

/** `file:///src/app.ts` → `/src/app.ts`; any other URI as it is. */
function shown(uri: string): string {
  if (!uri.startsWith("file://")) return uri
  try {
    return decodeURIComponent(new URL(uri).pathname)
  } catch {
    return uri
  }
}

export function promptText(blocks: ContentBlock[]): string {
  const message: string[] = []
  const context: string[] = []
  for (const block of blocks) {
    if (block.type === "text") message.push(block.text)
    else if (block.type === "resource_link") message.push(`@${shown(block.uri)}`)
    else if (block.type === "resource") {
      const { resource } = block
      message.push(`@${shown(resource.uri)}`)
      if ("text" in resource) context.push(`<context uri="${resource.uri}">\n${resource.text.replace(/\n$/, "")}\n</context>`)
    }
  }
  // Blocks are words apart: a mention between two texts keeps a space on each side.
  const text = message.reduce((all, piece) => (!all || /\s$/.test(all) || /^\s/.test(piece) ? all + piece : `${all} ${piece}`), "")
  return [text, ...context].join("\n\n").trim()
}
