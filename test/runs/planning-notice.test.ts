import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/github/plan.js";
import { PlanningNotice } from "../../src/runs/planning-notice.js";
import { planAt } from "./plans.js";

const planning = planAt("planning");
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the planning notice", () => {
  it("writes nothing when planning ends before the delay", async () => {
    const saved: Plan[] = [];
    const notice = new PlanningNotice(async (p) => saved.push(p), planning, 50);
    await notice.settled();
    await tick(80);
    expect(saved).toEqual([]);
  });

  it("is waited for when planning ends while it is in flight", async () => {
    let release!: () => void;
    const events: string[] = [];
    const notice = new PlanningNotice(
      () => new Promise<void>((resolve) => (release = () => (events.push("notice written"), resolve()))),
      planning,
      0,
    );
    await tick(10);
    setTimeout(() => release(), 30);
    await notice.settled();
    events.push("plan written");
    expect(events).toEqual(["notice written", "plan written"]);
  });

  it("says it failed when it could not be written, so the plan's write looks for it first", async () => {
    const notice = new PlanningNotice(() => Promise.reject(new Error("GitHub answered 502")), planning, 0);
    await tick(10);
    expect(await notice.settled()).toBe("failed");
  });
});
