import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimulatorHandle } from "../../../simulator/server/index.js";
import { DataverseClient } from "../../../pipeline/extract/dataverse-client.js";
import { pullAll } from "../../../pipeline/pull/pull.js";
import { caDir, makeConfig, makeDataset, storeDigest, type EnvSpec } from "../pull/fixture.js";

// Issue 15: the Web API client took its token before queueing for a request slot, so under short-lived
// tokens and a fault storm tokens expired in the queue, each request had one refresh, and 2 of 3
// environments failed with an error that blamed the application user.
const SPECS: EnvSpec[] = [
    { name: "alpha", runs: 60, logVersion: 2 },
    { name: "beta", runs: 40, logVersion: 0 },
    { name: "gamma", runs: 40, logVersion: 1 },
];

let sim: SimulatorHandle;
let tmp: string;
let baseline: string;

beforeAll(async () => {
    sim = await startSimulator({ caDir: caDir(), dataset: makeDataset(SPECS) });
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-tokens-"));
    const summary = await pullAll(makeConfig(sim, path.join(tmp, "baseline")));
    expect(summary.environments.map((e) => e.error ?? "ok")).toEqual(["ok", "ok", "ok"]);
    baseline = await storeDigest(path.join(tmp, "baseline"));
});

afterAll(async () => {
    await sim?.close();
    await rm(tmp, { recursive: true, force: true });
});

describe("tokens and the request queue", () => {
    it("3-second tokens under chaos with a long request queue: every environment completes, with the same store", async () => {
        sim.setTokenLifetime(3);
        sim.setFaults("chaos", 7);
        sim.setLatency(400);
        sim.resetCounters();
        try {
            // 16 runs in flight per environment over at most 8 slots (fewer after the storm's 429s), 400 ms per
            // response: requests wait in the limiter queue for seconds, so a token taken before the wait
            // arrives expired (this setting failed an environment with the old order).
            const out = path.join(tmp, "short-tokens");
            const summary = await pullAll(makeConfig(sim, out, { concurrency: 8 }));
            expect(summary.environments.map((e) => e.error ?? "ok")).toEqual(["ok", "ok", "ok"]);
            expect(await storeDigest(out)).toBe(baseline);
            const counters = sim.counters();
            // The pull outlived many token lifetimes (tokens were renewed again and again) ...
            expect(summary.durationMs).toBeGreaterThan(9_000);
            expect(counters.token).toBeGreaterThan(6);
            // ... and tokens were fresh when they left: a 401 is the exception (rounding of whole-second expiry), not the rule.
            const requests = summary.environments.reduce((n, e) => n + e.requests, 0);
            expect(counters.unauthorized ?? 0).toBeLessThan(requests / 50);
        } finally {
            sim.setTokenLifetime(3600);
            sim.setFaults("none");
            sim.setLatency(0);
        }
    });

    it("a burst of 401s that all carried the same expired token costs one token refresh, not one per request", async () => {
        const out = path.join(tmp, "burst");
        let atSkew: Record<string, number> | undefined;
        // Slow enough responses that several requests are in flight when the clock jumps, however busy the
        // machine: the burst of 401s this test is about must really happen (checked below).
        sim.setLatency(250);
        sim.resetCounters();
        try {
            const summary = await pullAll(makeConfig(sim, out, { envConcurrency: 1, concurrency: 8 }), {
                only: ["alpha"],
                onProgress: (p) => {
                    if (!atSkew && p.runsFetched >= 10) {
                        atSkew = sim.counters();
                        sim.skewClock(2 * 3600); // every token issued so far is now expired at the server
                    }
                },
            });
            expect(summary.environments.map((e) => e.error ?? "ok")).toEqual(["ok"]);
            const after = sim.counters();
            const refused = (after.unauthorized ?? 0) - (atSkew?.unauthorized ?? 0);
            const tokens = (after.token ?? 0) - (atSkew?.token ?? 0);
            expect(refused).toBeGreaterThan(1);
            expect(tokens).toBe(1);
        } finally {
            if (atSkew) sim.skewClock(-2 * 3600);
            sim.setLatency(0);
        }
    });

    it("a token the server keeps refusing fails the request with the server's reason after one new token, not in a loop", async () => {
        let asked = 0;
        const env = sim.environments[0];
        const client = new DataverseClient({
            env: "alpha", url: env.url, maxConcurrency: 2, pageSize: 10, requestTimeoutMs: 5000,
            tokens: { getToken: () => (asked++, Promise.resolve("eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ4In0.bm90LXNpZ25lZA")) },
        });
        sim.resetCounters();
        const error = await client.getJson("organizations", {}, "organizations").catch((e: Error) => e);
        expect((error as Error).message).toBe(
            "alpha: the token was refused (401) again after a token refresh reading organizations: The access token is invalid: its signature could not be verified. — check that the app is an application user in this environment");
        expect(sim.counters().unauthorized).toBe(2);
        expect(asked).toBe(2);
    });
});
