import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { ChatRequest, ChatResponse, LLM } from "../engine/llm.js";
import { errorMessage } from "../engine/error-message.js";

/** Wraps an LLM so every exchange is appended to a JSONL file (`.l2mac/transcript.jsonl`). */
export function recordTranscript(llm: LLM, path: string): LLM {
  let ready: Promise<unknown> | undefined;
  const write = async (entry: Record<string, unknown>): Promise<void> => {
    ready ??= mkdir(dirname(path), { recursive: true });
    await ready;
    await appendFile(path, `${JSON.stringify({ time: new Date().toISOString(), model: llm.model, ...entry })}\n`);
  };
  // Getters: the window of an adapter shrinks as it learns how its server counts tokens.
  return {
    get model() {
      return llm.model;
    },
    get models() {
      return llm.models;
    },
    get contextWindow() {
      return llm.contextWindow;
    },
    get completionReserve() {
      return llm.completionReserve;
    },
    async complete(request: ChatRequest, options?: { signal?: AbortSignal }): Promise<ChatResponse> {
      const logged = {
        purpose: request.purpose,
        messages: request.messages,
        tools: request.tools?.map((t) => t.name),
        toolChoice: request.toolChoice,
        temperature: request.temperature,
      };
      try {
        const response = await llm.complete(request, options);
        await write({ request: logged, response });
        return response;
      } catch (e) {
        await write({ request: logged, error: { name: (e as Error).name, message: errorMessage(e) } });
        throw e;
      }
    },
  };
}
