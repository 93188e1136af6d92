// Which models an agent on Claude Code may name. claude takes an alias (`sonnet`, `opus`, …) or a
// model's full name (`claude-sonnet-4-5`, a Bedrock or Vertex id holding "claude"); iterate's
// `provider/model` form is accepted with the provider `anthropic`, which claude does not spell.
// claude itself sends any other name on to the API with a warning, so refusing it here turns a
// turn that would fail later into a clear error now.

const ALIASES = new Set(["default", "best", "sonnet", "opus", "haiku", "fable", "opusplan", "sonnet[1m]", "opus[1m]"])

/** The name to pass to claude's --model: `anthropic/claude-x` → `claude-x`. */
export function claudeModel(model: string): string {
  return model.startsWith("anthropic/") ? model.slice("anthropic/".length) : model
}

export function modelProblem(model: string): string | undefined {
  const name = claudeModel(model.trim())
  // A Bedrock ARN has a slash too, but after a colon.
  const provider = /^([\w.-]+)\//.exec(name)?.[1]
  if (!provider && (ALIASES.has(name) || (/claude/i.test(name) && !/\s/.test(name)))) return undefined
  if (provider) return `Claude Code runs Anthropic's models only, not ${provider}'s: use sonnet, opus, haiku or a claude-… model name`
  return `Claude Code does not know the model ${JSON.stringify(model)}: use an alias (sonnet, opus, haiku) or a full name such as claude-sonnet-4-5`
}
