import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { MemoryDeliveryLog, RedisDeliveryLog, type DeliveryLog } from "../../src/handlers/delivery-log.js";
import { reachableRedis } from "../support/processes.js";

const redisUrl = await reachableRedis();

async function replays(log: DeliveryLog) {
  return [
    await log.firstTime("d-1", "comment:7:created:t1"),
    // The same body under a new delivery id.
    await log.firstTime("d-2", "comment:7:created:t1"),
    // GitHub's redelivery: the same id.
    await log.firstTime("d-1", "comment:7:created:t1"),
    // A new edit of the same comment is a new event.
    await log.firstTime("d-3", "comment:7:edited:t2"),
  ];
}

describe("the delivery log", () => {
  it("in memory, refuses a known delivery id and a known event under a new id", async () => {
    expect(await replays(new MemoryDeliveryLog())).toEqual([true, false, false, true]);
  });

  it.skipIf(!redisUrl)("in Redis, does the same for every server process", async () => {
    const redis = new Redis(redisUrl!);
    const prefix = `l2mac-test-${randomBytes(6).toString("hex")}`;
    try {
      expect(await replays(new RedisDeliveryLog(redis, prefix))).toEqual([true, false, false, true]);
      // A second process sharing the Redis sees the same history.
      expect(await new RedisDeliveryLog(redis, prefix).firstTime("d-9", "comment:7:created:t1")).toBe(false);
    } finally {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  });
});
