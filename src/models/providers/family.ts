/**
 * The critic's family name ("<Family> Agent 1") from a model id. The study named the critic after the model's
 * family; models outside those families get a neutral name.
 */
export function familyOf(modelId: string): string {
  const name = modelId.toLowerCase();
  const last = name.split(/[/:\\]/).pop() ?? name;
  if (/gemini/.test(name)) return "Gemini";
  if (/claude/.test(name)) return "Claude";
  if (/deepseek/.test(name)) return "DeepSeek";
  if (/kimi/.test(name)) return "Kimi";
  if (/glm/.test(name)) return "GLM";
  if (/gpt|chatgpt/.test(name) || /^o\d(\b|-|$)/.test(last)) return "ChatGPT";
  return "Nova";
}
