import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_PROFILES, startSimulator, type SimulatorHandle } from "../../../simulator/server/index.js";
import { caDir, getToken, makeDataset, makeEnvironment, rawGet, type RawResponse } from "./helpers.js";

let sim: SimulatorHandle;
let token: string;
let api: string;

beforeAll(async () => {
    sim = await startSimulator({ dataset: makeDataset([makeEnvironment("alpha", 300)]), caDir: caDir(), slowDelayMs: 40 });
    const env = sim.environments[0];
    token = String((await getToken(`${sim.authorityHost}/${env.tenantId}/oauth2/v2.0/token`, env.clientId, env.clientSecret, `${env.url}/.default`)).json.access_token);
    api = `${env.url}/api/data/v9.2`;
});
afterAll(() => sim.close());

const get = (path: string, headers: Record<string, string> = {}): Promise<RawResponse> => rawGet(`${api}/${path}`, { authorization: `Bearer ${token}`, ...headers });

describe("service protection limits", () => {
    it("answers 429 with Retry-After and Dataverse's code once a client exceeds its requests per window", async () => {
        sim.setLimits({ requestsPerWindow: 5, windowSeconds: 30, concurrentRequests: 50 });
        try {
            const statuses: number[] = [];
            let throttled: RawResponse | undefined;
            for (let i = 0; i < 7; i++) {
                const res = await get("flowmachines");
                statuses.push(res.status);
                if (res.status === 429) throttled = res;
            }
            expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
            const retryAfter = Number(throttled!.headers["retry-after"]);
            expect(retryAfter).toBeGreaterThanOrEqual(1);
            expect(retryAfter).toBeLessThanOrEqual(30);
            const error = JSON.parse(throttled!.body.toString()).error;
            expect(error.code).toBe("0x80072322");
            expect(error.message).toMatch(/^Number of requests exceeded the limit of 5 over time window of 30 seconds/);
            sim.skewClock(31);
            expect((await get("flowmachines")).status).toBe(200);
        } finally {
            sim.skewClock(-31);
            sim.setLimits({ requestsPerWindow: 6000, windowSeconds: 300, concurrentRequests: 52 });
        }
    });

    it("refuses requests beyond the concurrent limit", async () => {
        sim.setLimits({ concurrentRequests: 2 });
        sim.setLatency(300); // hold requests open so they overlap
        try {
            const results = await Promise.all(Array.from({ length: 6 }, (_, i) => get(`flowsessions?$top=${i + 1}`)));
            const throttled = results.filter((r) => r.status === 429);
            expect(throttled.length).toBeGreaterThan(0);
            expect(JSON.parse(throttled[0].body.toString()).error.code).toBe("0x80072326");
            expect(throttled[0].headers["retry-after"]).toBe("1");
        } finally {
            sim.setLatency(0);
            sim.setLimits({ concurrentRequests: 52 });
        }
    });
});

describe("fault profiles", () => {
    const paths = Array.from({ length: 60 }, (_, i) => `flowsessions?$select=flowsessionid,statuscode&$top=${i + 1}`);

    async function runProfile(profile: (typeof FAULT_PROFILES)[number], seed: number) {
        sim.setFaults(profile, seed);
        sim.resetCounters();
        const out: string[] = [];
        for (const p of paths) {
            const res = await get(p);
            out.push(`${res.status}:${res.outcome}`);
            if (res.status === 200 && res.outcome === "complete") {
                // A 200 that completes is always whole and valid.
                expect(res.body.length).toBe(Number(res.headers["content-length"]));
                expect(JSON.parse(res.body.toString()).value).toHaveLength(Number(/top=(\d+)/.exec(p)![1]));
            }
            if (res.status === 200 && res.outcome !== "complete") {
                expect(res.body.length).toBeLessThan(Number(res.headers["content-length"]));
            }
        }
        const faults = sim.requestLog.map((r) => r.fault ?? "-");
        sim.setFaults("none");
        return { out, faults };
    }

    it.each([
        ["flaky", /^50[023]:complete$/, "error"],
        ["resets", /^200:(aborted|error)$/, "reset"],
        ["truncated", /^200:(aborted|error)$/, "truncated"],
        ["storm429", /^429:complete$/, "throttle"],
        ["slow", /^200:complete$/, "slow"],
    ] as const)("%s is observable and deterministic under a seed", async (profile, pattern, kind) => {
        const a = await runProfile(profile, 42);
        expect(a.faults.filter((f) => f === kind).length).toBeGreaterThan(0);
        if (profile !== "slow") expect(a.out.filter((o) => pattern.test(o)).length).toBe(a.faults.filter((f) => f === kind).length);
        expect(a.out.filter((o) => o === "200:complete").length).toBeGreaterThan(paths.length / 2);
        // Same seed, fresh attempt counters (new injector): same faults on the same requests.
        const b = await runProfile(profile, 42);
        expect(b).toEqual(a);
        const c = await runProfile(profile, 7);
        expect(c.faults).not.toEqual(a.faults);
    });

    it("storm429 sends Retry-After of 1-2 s and a retried request eventually passes", async () => {
        sim.setFaults("storm429", 3);
        try {
            let saw429 = false;
            for (const p of paths.slice(0, 30)) {
                let res = await get(p);
                for (let attempt = 0; res.status === 429 && attempt < 5; attempt++) {
                    saw429 = true;
                    expect(["1", "2"]).toContain(res.headers["retry-after"]);
                    res = await get(p);
                }
                expect(res.status).toBe(200);
            }
            expect(saw429).toBe(true);
        } finally {
            sim.setFaults("none");
        }
    });

    it("chaos mixes fault kinds; none injects nothing", async () => {
        const chaos = await runProfile("chaos", 5);
        expect(new Set(chaos.faults.filter((f) => f !== "-")).size).toBeGreaterThanOrEqual(2);
        const none = await runProfile("none", 5);
        expect(none.out.every((o) => o === "200:complete")).toBe(true);
    });

    it("counts requests per kind", async () => {
        sim.resetCounters();
        await get("flowsessions?$top=1");
        await get("flowmachines");
        const id = sim.dataset.environments[0].flowsessions[0].flowsessionid;
        await get(`flowsessions(${id})/additionalcontext/$value`);
        await get(`flowsessions(${id})/flowsession_flowlog_parentobjectid`);
        expect(sim.counters()).toEqual({ list: 2, additionalcontext: 1, flowlog: 1 });
    });
});
