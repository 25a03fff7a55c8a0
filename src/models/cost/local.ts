/** Models that run on the user's own hardware cost nothing per token. */
export function isLocalModelId(modelId: string): boolean {
  return /^(llama:|ollama\/|vllm\/)/.test(modelId);
}
