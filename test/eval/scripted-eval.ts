import type { RecordedRequest, Responder, ScriptReply } from "../support/scripted-llm-server.js";
import { kindOf, scriptedAgent, write, type StepScript } from "../support/scripted-agent.js";

/** A judge request: no tools, and the judge's own instructions as the system message. */
export const isJudgeRequest = (r: RecordedRequest): boolean =>
  !r.body.tools && String(r.body.messages[0]?.content ?? "").startsWith("You assess generated source code");

export const URL_PLAN = [
  "Create the storage module store.py with an in-memory dict, and tests in test_store.py.",
  "Create the URL shortener service shortener.py using the store, with tests.",
];

export const URL_STEPS: StepScript[] = [
  {
    match: "storage module",
    actions: [
      write({
        "store.py": "STORE = {}\n\n\ndef put(key, value):\n    STORE[key] = value\n",
        "test_store.py": "from store import STORE, put\n\n\ndef test_put():\n    put('a', 1)\n    assert STORE['a'] == 1\n",
      }),
    ],
    summary: "Added store.py and its test.",
  },
  {
    match: "URL shortener service",
    actions: [
      write({
        "shortener.py":
          "from store import put\n\n\ndef shorten(url):\n    code = str(abs(hash(url)) % 10000)\n    put(code, url)\n    return code\n",
        "test_shortener.py":
          "from shortener import shorten\n\n\ndef test_shorten_is_stable():\n    assert shorten('https://a.example') == shorten('https://a.example')\n",
      }),
    ],
    summary: "Added shortener.py with shorten().",
  },
];

/** The scripted coder (the engine's plan/act/summary requests) and a judge answering from `judgeReplies`, in order. */
export function coderAndJudge(judgeReplies: Array<string | ScriptReply>, options: { onRequest?: (r: RecordedRequest) => void } = {}) {
  // Each run starts with a plan request: a fresh agent then, so every run writes its files again.
  let coder = scriptedAgent({ plan: URL_PLAN, steps: URL_STEPS });
  const judged: RecordedRequest[] = [];
  const responder: Responder = (r, index) => {
    options.onRequest?.(r);
    if (isJudgeRequest(r)) {
      const reply = judgeReplies[judged.length] ?? "no more judge replies scripted";
      judged.push(r);
      return typeof reply === "string" ? { content: reply } : reply;
    }
    if (kindOf(r) === "plan") coder = scriptedAgent({ plan: URL_PLAN, steps: URL_STEPS });
    return coder(r, index);
  };
  return { responder, judged };
}
