import { LRUCache } from "lru-cache";
import type { Discovery } from "./window-discovery.js";
import { initialQuirks, type Quirks } from "./llm-quirks.js";
import type { ServerFamily } from "./server-family.js";

/**
 * What the app has learned about each endpoint and model, kept for the life of the process so every
 * run (and every LLM built for a run) starts from it: the adaptations its refusals taught, how its
 * tokenizer counts against ours, and what it said of its window (re-asked after a while, since a local
 * server may load the model with another window).
 */

interface Entry {
  quirks: Quirks;
  discovery?: { at: number; result: Discovery };
}

// A found window is trusted for 10 minutes, a missing one re-asked after 1 (the model may not be loaded yet).
const FOUND_TTL_MS = 10 * 60_000;
const MISSING_TTL_MS = 60_000;

export class EndpointMemory {
  // Repositories choose models by name: bounded, so no configuration can grow it without limit.
  private readonly entries = new LRUCache<string, Entry>({ max: 200 });

  constructor(private readonly now: () => number = Date.now) {}

  private entry(baseURL: string, model: string, family: ServerFamily): Entry {
    const key = `${baseURL}\n${model}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { quirks: initialQuirks(family) };
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** The endpoint's quirks, shared (and mutated) by every LLM built for it. */
  quirks(baseURL: string, model: string, family: ServerFamily): Quirks {
    return this.entry(baseURL, model, family).quirks;
  }

  /** A recent enough discovery, or undefined. */
  discovery(baseURL: string, model: string): Discovery | undefined {
    const found = this.entries.get(`${baseURL}\n${model}`)?.discovery;
    if (!found) return undefined;
    const ttl = found.result.window ? FOUND_TTL_MS : MISSING_TTL_MS;
    return this.now() - found.at < ttl ? found.result : undefined;
  }

  remember(baseURL: string, model: string, result: Discovery): void {
    const entry = this.entry(baseURL, model, result.family);
    entry.discovery = { at: this.now(), result };
    // What the server turned out to be decides the family's known needs, unless already learned otherwise.
    const fresh = initialQuirks(result.family);
    entry.quirks.toolsOffForNone ||= fresh.toolsOffForNone;
    entry.quirks.echoReasoning ||= fresh.echoReasoning;
    entry.quirks.noUserAfterTool ||= fresh.noUserAfterTool;
    entry.quirks.noTransforms ||= fresh.noTransforms;
  }
}
