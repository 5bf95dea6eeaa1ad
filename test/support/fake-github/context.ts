import type { FakeState } from "./state.js";

/** What every route group and payload builder needs: the state and the URLs it is served from. */
export interface FakeContext {
  state: FakeState;
  /** "http://127.0.0.1:<port>": html_url and clone_url live here, as on GitHub Enterprise. */
  baseUrl: string;
  /** baseUrl + "/api/v3": every `url` field points here. */
  apiUrl: string;
}
