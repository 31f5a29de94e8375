import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDataset } from "../../../simulator/sample/index.js";
import { startSimulator, type SimulatorHandle } from "../../../simulator/server/index.js";
import { caDir, getToken, rawGet } from "./helpers.js";

let sim: SimulatorHandle;

beforeAll(async () => {
    sim = await startSimulator({ dataset: generateDataset({ seed: 11, days: 2, scale: 0.3, largeRuns: 0 }), caDir: caDir() });
});
afterAll(() => sim.close());

async function client(i: number) {
    const env = sim.environments[i];
    const t = await getToken(`${sim.authorityHost}/${env.tenantId}/oauth2/v2.0/token`, env.clientId, env.clientSecret, `${env.url}/.default`);
    const headers = { authorization: `Bearer ${String(t.json.access_token)}` };
    const get = (p: string, extra: Record<string, string> = {}) => rawGet(`${env.url}/api/data/v9.2/${p}`, { ...headers, ...extra });
    return { env, get };
}

describe("serving the generated sample environments", () => {
    it("serves every run's V1 bytes and V2 rows as the manifest says", async () => {
        for (let i = 0; i < sim.environments.length; i++) {
            const { env, get } = await client(i);
            const expected = Object.values(sim.dataset.manifest.runs[env.name]);
            const listed = JSON.parse((await get("flowsessions?$select=flowsessionid")).body.toString()).value as unknown[];
            expect(listed).toHaveLength(expected.length);
            for (const run of expected.slice(0, 40)) {
                const v1 = await get(`flowsessions(${run.runId})/additionalcontext/$value`);
                expect(v1.status).toBe(run.v1 ? 200 : 404);
                const v2 = await get(`flowsessions(${run.runId})/flowsession_flowlog_parentobjectid?$filter=type eq 100000001`);
                expect(v2.status).toBe(200);
                expect((JSON.parse(v2.body.toString()).value as unknown[]).length > 0).toBe(run.v2);
            }
        }
    });

    it("advance() adds and modifies runs that an incremental filter on modifiedon finds", async () => {
        const { env, get } = await client(0);
        const end = sim.dataset.options.endDate;
        const before = JSON.parse((await get(`flowsessions?$select=flowsessionid&$filter=modifiedon ge ${end}`)).body.toString()).value as unknown[];
        const result = await sim.advance(new Date(Date.parse(end) + 6 * 3600_000).toISOString());
        expect(result.added + result.modified).toBeGreaterThan(0);
        const after = JSON.parse((await get(`flowsessions?$select=flowsessionid,modifiedon&$filter=modifiedon ge ${end}&$orderby=modifiedon asc`)).body.toString()).value as Array<{ modifiedon: string }>;
        expect(after.length).toBeGreaterThan(before.length);
        expect(after.every((r) => r.modifiedon >= end)).toBe(true);
        expect(Object.keys(sim.dataset.manifest.runs[env.name]).length).toBe(sim.dataset.environments[0].flowsessions.length);
    });
});
