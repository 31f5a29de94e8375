import { X509Certificate } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulator, type SimulatorHandle } from "../../../simulator/server/index.js";
import { ensureCertificateAuthority, issueServerCertificate } from "../../../simulator/ca/index.js";
import { parseConfig } from "../../../pipeline/config/config.js";
import { pullAll } from "../../../pipeline/pull/pull.js";
import { RawStore } from "../../../pipeline/store/raw-store.js";
import { advanceEnv, caDir, configJson, makeConfig, makeDataset, storeDigest, type EnvSpec } from "./fixture.js";

const SPECS: EnvSpec[] = [
    { name: "alpha", runs: 70, logVersion: 2, largeRun: 5 },
    { name: "beta", runs: 30, logVersion: 0, logStatus: 1 },
    { name: "gamma", runs: 24, logVersion: 1, ttlMinutes: 60 },
];

let sim: SimulatorHandle;
let tmp: string;
let baseline: string;
let baselineOut: string;

beforeAll(async () => {
    sim = await startSimulator({ caDir: caDir(), dataset: makeDataset(SPECS) });
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-pull-"));
    baselineOut = path.join(tmp, "baseline");
    const summary = await pullAll(makeConfig(sim, baselineOut));
    expect(summary.environments.map((e) => e.error ?? "ok")).toEqual(["ok", "ok", "ok"]);
    baseline = await storeDigest(baselineOut);
});

afterAll(async () => {
    await sim?.close();
    await rm(tmp, { recursive: true, force: true });
});

beforeEach(() => {
    sim.setFaults("none");
    sim.resetCounters();
});

describe("padlens pull against the simulator", () => {
    it("pulls every environment: snapshots, every run, V1 files and V2 rows as the settings and runs say", async () => {
        const store = new RawStore(baselineOut);
        expect(await store.listEnvironments()).toEqual(["alpha", "beta", "gamma"]);
        for (const [i, spec] of SPECS.entries()) {
            const env = sim.dataset.environments[i];
            expect(await store.listRunIds(spec.name)).toEqual(env.flowsessions.map((r) => String(r.flowsessionid)).sort());
            // Their month (January 2026) is closed: the pull packed it, leaving no run loose.
            expect(await store.looseRunIds(spec.name)).toEqual([]);
            // The draft layer of Flow 1 comes back with MSCRM.IncludeUnpublished; deduped to one row per flow, cloud flows excluded.
            const flows = await store.readSnapshot(spec.name, "workflows");
            expect(flows.map((f) => f.name).sort()).toEqual(["Flow 0", "Flow 1 (draft)", "Flow 2"]);
            expect(await store.readSnapshot(spec.name, "flowmachines")).toHaveLength(1);
            expect((await store.readSnapshot(spec.name, "organizations"))[0].desktopflowrunactionlogversion).toBe(spec.logVersion);
            for (const row of env.flowsessions) {
                const id = String(row.flowsessionid);
                const run = await store.readRun(spec.name, id);
                expect(run?.row).not.toHaveProperty("credentials");
                const served = env.additionalContext(id);
                const v1 = await store.readV1(spec.name, id);
                if (spec.logVersion === 1 || row.completedon === null) expect(run?.fetch.v1.state).toBe("not-applicable");
                else expect(run?.fetch.v1.state).toBe(served ? "fetched" : "absent");
                if (run?.fetch.v1.state === "fetched") expect(v1?.equals(served!)).toBe(true);
                else expect(v1).toBeNull();
                const wantV2 = env.flowLogs(id).filter((r) => r.type === 100000001);
                const v2 = await store.readV2(spec.name, id);
                const withoutAnnotations = (rows: Record<string, unknown>[]): Record<string, unknown>[] => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith("@"))));
                expect(withoutAnnotations(v2 ?? [])).toEqual(wantV2);
                if (row.triggertype === 1) expect(run?.fetch.v2.state).toBe("not-applicable");
            }
        }
        // The >4 MiB V1 file arrived whole, through range requests.
        const large = sim.dataset.environments[0].flowsessions[5];
        expect((await store.readV1("alpha", String(large.flowsessionid)))!.length).toBeGreaterThan(4 * 1024 * 1024);
        const state = await store.readState("alpha");
        expect(state.watermark).toBe(sim.dataset.environments[0].flowsessions.at(-1)!.modifiedon);
        // Kept so a build without the config knows the environment's URL.
        expect(state.url).toBe(makeConfig(sim, baselineOut).environments[0].url);
    });

    it("pages through many pages with a small page size and gets the same store", async () => {
        const out = path.join(tmp, "paged");
        const summary = await pullAll(makeConfig(sim, out, { pageSize: 3 }));
        expect(summary.ok).toBe(true);
        // 70 runs at 3 per page: at least 24 list requests for alpha's flowsessions alone.
        expect(sim.requestLog.filter((r) => r.env === "alpha" && r.kind === "list" && r.path.endsWith("/flowsessions")).length).toBeGreaterThanOrEqual(24);
        expect(await storeDigest(out)).toBe(baseline);
    });

    it("a second pull fetches only the runs that changed, and the overlap re-downloads nothing", async () => {
        const out = path.join(tmp, "incremental");
        await pullAll(makeConfig(sim, out));
        sim.resetCounters();
        const again = await pullAll(makeConfig(sim, out));
        expect(again.environments.map((e) => e.runsFetched)).toEqual([0, 0, 0]);
        expect(sim.counters().additionalcontext ?? 0).toBe(0);
        expect(sim.counters().flowlog ?? 0).toBe(0);

        const env = sim.dataset.environments[0];
        const changed = advanceEnv(env, 0, [10, 69], 3);
        try {
            sim.resetCounters();
            const third = await pullAll(makeConfig(sim, out, { envConcurrency: 1 }));
            expect(third.environments[0].runsFetched).toBe(changed.length);
            expect(third.environments.slice(1).map((e) => e.runsFetched)).toEqual([0, 0]);
            const fileRequests = sim.requestLog.filter((r) => r.kind === "additionalcontext").map((r) => r.path.split("(")[1].slice(0, 36));
            expect(new Set(fileRequests).size).toBeLessThanOrEqual(changed.length);
            for (const id of fileRequests) expect(changed).toContain(id);
            const finished = await new RawStore(out).readRun("alpha", String(env.flowsessions[69].flowsessionid));
            expect(finished?.fetch.v1.state).toBe("fetched");
            expect(finished?.row.statuscode).toBe(4);
        } finally {
            env.flowsessions.splice(70);
            for (const i of [10, 69]) Object.assign(env.flowsessions[i], makeDataset(SPECS).environments[0].flowsessions[i]);
        }
    });

    it.each(["flaky", "resets", "truncated", "slow", "storm429", "chaos"] as const)("the %s fault profile ends with the same raw store as a fault-free pull", async (profile) => {
        sim.setFaults(profile, 7);
        const out = path.join(tmp, profile);
        const summary = await pullAll(makeConfig(sim, out, { pageSize: 20 }));
        expect(summary.environments.map((e) => e.error ?? "ok")).toEqual(["ok", "ok", "ok"]);
        const injected = sim.requestLog.filter((r) => r.fault).length;
        expect(injected).toBeGreaterThan(3);
        if (profile === "storm429") expect(summary.environments.reduce((n, e) => n + e.throttled, 0)).toBeGreaterThan(0);
        else if (profile !== "slow") expect(summary.environments.reduce((n, e) => n + e.retries, 0)).toBeGreaterThan(0);
        expect(await storeDigest(out)).toBe(baseline);
    });

    it("survives tokens expiring mid-pull: one refresh per 401, same store", async () => {
        const out = path.join(tmp, "expiry");
        let skewed = false;
        const summary = await pullAll(makeConfig(sim, out, { envConcurrency: 1 }), {
            onProgress: (p) => {
                if (!skewed && p.env === "alpha" && p.runsFetched >= 10) {
                    skewed = true;
                    sim.skewClock(2 * 3600); // every token issued so far is now expired at the server
                }
            },
        });
        if (skewed) sim.skewClock(-2 * 3600);
        expect(summary.ok).toBe(true);
        expect(sim.counters().unauthorized).toBeGreaterThan(0);
        expect(sim.counters().token).toBeGreaterThan(3);
        expect(await storeDigest(out)).toBe(baseline);
    });

    it("one environment failing (missing privilege) does not stop the others", async () => {
        sim.setDeniedTables("beta", ["flowsession"]);
        try {
            const summary = await pullAll(makeConfig(sim, path.join(tmp, "denied")));
            expect(summary.environments.map((e) => e.ok)).toEqual([true, false, true]);
            expect(summary.environments[1].error).toBe("beta: missing privilege prvReadflowsession on flowsession — give the app user's security role Read on Flow Session");
        } finally {
            sim.setDeniedTables("beta", []);
        }
    });

    it("authenticates with a certificate (PEM key + thumbprint) instead of a secret", async () => {
        const cert = issueServerCertificate(ensureCertificateAuthority(caDir()), ["padlens-client"]);
        sim.addClientCertificate("gamma", cert.certPem);
        const pem = path.join(tmp, "client.pem");
        await writeFile(pem, `${cert.keyPem}\n${cert.certPem}`);
        const json = configJson(sim, path.join(tmp, "cert")) as { environments: Array<Record<string, unknown>> };
        const gamma = json.environments.find((e) => e.name === "gamma")!;
        delete gamma.clientSecret;
        gamma.certificate = { path: pem, thumbprint: new X509Certificate(cert.certPem).fingerprint256 };
        const summary = await pullAll(parseConfig(json, tmp), { only: ["gamma"] });
        expect(summary.environments.map((e) => [e.env, e.error ?? "ok", e.runsFetched])).toEqual([["gamma", "ok", 24]]);
    });

    it("requests that exceed the timeout are abandoned and retried, ending with the same store", async () => {
        sim.setFaults("slow", 3); // up to 600 ms delays on 30% of responses
        const summary = await pullAll(makeConfig(sim, path.join(tmp, "timeouts"), { requestTimeoutSeconds: 0.5 }));
        expect(summary.environments.map((e) => e.error ?? "ok")).toEqual(["ok", "ok", "ok"]);
        expect(summary.environments.reduce((n, e) => n + e.retries, 0)).toBeGreaterThan(0);
        expect(await storeDigest(path.join(tmp, "timeouts"))).toBe(baseline);
    });
});
