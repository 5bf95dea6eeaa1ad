import type { ChatRequest, ChatResponse, LLM } from "../engine/llm.js";

/**
 * Gives every call its own abort signal that follows the caller's. The OpenAI SDK leaves one abort
 * listener on the signal it is handed per request, so an evaluation's hundreds of calls on one signal
 * would pile them up (and Node warns past ten); a signal from AbortSignal.any holds no listener on its parent.
 */
export function withFreshSignals(llm: LLM): LLM {
  return {
    model: llm.model,
    contextWindow: llm.contextWindow,
    completionReserve: llm.completionReserve,
    complete(request: ChatRequest, options?: { signal?: AbortSignal }): Promise<ChatResponse> {
      return llm.complete(request, options?.signal ? { ...options, signal: AbortSignal.any([options.signal]) } : options);
    },
  };
}
