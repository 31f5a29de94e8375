import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulator, type SimulatorHandle } from "../../../simulator/server/index.js";
import { caDir, getToken, makeDataset, makeEnvironment, rawGet } from "../../simulator/server/helpers.js";

// The simulator's BulkDelete, asyncoperations, bulkdeleteoperations and workflowbinaries, over real HTTPS.
let sim: SimulatorHandle;
let token: string;
let api: string;

const FLOW0 = "00000001-0000-4000-8000-000000000000";
const runId = (i: number): string => `00000004-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
const date = (iso: string) => ({ Value: iso, Type: "System.DateTime" });

async function call(method: string, path: string, body?: unknown) {
    const res = await rawGet(`${api}/${path}`, { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" }, method, body === undefined ? undefined : JSON.stringify(body));
    const text = res.body.toString("utf8");
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const ids = (): string[] => sim.dataset.environments[0].flowsessions.map((r) => String(r.flowsessionid));

function bulkDelete(criteria: unknown, extra: Record<string, unknown> = {}) {
    return call("POST", "BulkDelete", {
        QuerySet: [{ "@odata.type": "Microsoft.Dynamics.CRM.QueryExpression", EntityName: "flowsession", ColumnSet: { AllColumns: false, Columns: [] }, Criteria: criteria }],
        JobName: `test ${Math.random()}`, SendEmailNotification: false, ToRecipients: [], CCRecipients: [], RecurrencePattern: "", StartDateTime: new Date().toISOString(),
        ...extra,
    });
}

async function waitDone(jobId: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 200; i++) {
        const r = await call("GET", `asyncoperations(${jobId})?$select=statecode,statuscode,message,completedon`);
        if (r.json.statecode === 3) return r.json;
        await new Promise((res) => setTimeout(res, 10));
    }
    throw new Error("job did not finish");
}

beforeAll(async () => {
    sim = await startSimulator({ dataset: makeDataset([makeEnvironment("alpha", 40)]), caDir: caDir() });
    const env = sim.environments[0];
    const t = await getToken(`${sim.authorityHost}/${env.tenantId}/oauth2/v2.0/token`, env.clientId, env.clientSecret, `${env.url}/.default`);
    token = String(t.json.access_token);
    api = `${env.url}/api/data/v9.2`;
});
afterAll(() => sim.close());
beforeEach(() => {
    sim.setFaults("none");
    sim.setDeniedPrivileges("alpha", []);
    sim.setBulkDeleteTiming({ startDelayMs: 0, durationMs: 0 });
});

describe("simulator BulkDelete", () => {
    it("deletes exactly the flow sessions an And/Or query matches, with the workflowbinary cascade, and reports the job", async () => {
        const before = ids();
        const binariesBefore = (await call("GET", "workflowbinaries?$select=workflowbinaryid,_flowsessionid_value")).json.value as Array<Record<string, unknown>>;
        // Runs 0..9 of flow 0 (i % 3 === 0) that failed (i % 5 === 0), or run 7 of any flow.
        const criteria = {
            FilterOperator: "Or",
            Filters: [
                {
                    FilterOperator: "And",
                    Conditions: [
                        { AttributeName: "createdon", Operator: "LessThan", Values: [date(new Date(Date.UTC(2026, 0, 10) + 10 * 60_000).toISOString())] },
                        { AttributeName: "statuscode", Operator: "Equal", Values: [{ Value: 8, Type: "System.Int32" }] },
                        { AttributeName: "_regardingobjectid_value", Operator: "Equal", Values: [{ Value: FLOW0, Type: "System.Guid" }] },
                    ],
                },
            ],
            Conditions: [{ AttributeName: "flowsessionid", Operator: "Equal", Values: [{ Value: runId(7), Type: "System.Guid" }] }],
        };
        const r = await bulkDelete(criteria);
        expect(r.status).toBe(200);
        const jobId = String(r.json.JobId);
        const done = await waitDone(jobId);
        expect(done.statuscode).toBe(30);
        const gone = before.filter((id) => !ids().includes(id)).sort();
        expect(gone).toEqual([runId(0), runId(7)]);
        const bulk = (await call("GET", `bulkdeleteoperations?$filter=_asyncoperationid_value eq ${jobId}`)).json.value as Array<Record<string, unknown>>;
        expect(bulk).toHaveLength(1);
        expect(bulk[0]).toMatchObject({ successcount: 2, failurecount: 0, isrecurring: false, statuscode: 30 });
        expect(String(bulk[0].orderedquerysetxml)).toContain('<entity name="flowsession">');
        const listed = (await call("GET", "asyncoperations?$filter=operationtype eq 13")).json.value as Array<Record<string, unknown>>;
        expect(listed.map((a) => a.asyncoperationid)).toContain(jobId);
        // Cascade: the deleted runs' binaries are gone, everyone else's stay.
        const binariesAfter = (await call("GET", "workflowbinaries?$select=workflowbinaryid,_flowsessionid_value")).json.value as Array<Record<string, unknown>>;
        expect(binariesBefore.some((b) => b._flowsessionid_value === runId(0))).toBe(true);
        expect(binariesAfter.filter((b) => gone.includes(String(b._flowsessionid_value)))).toEqual([]);
        expect(binariesAfter).toHaveLength(binariesBefore.filter((b) => !gone.includes(String(b._flowsessionid_value))).length);
        // The file column answers ranges with its size, as additionalcontext does.
        const file = await rawGet(`${api}/workflowbinaries(${String(binariesAfter[0].workflowbinaryid)})/data/$value`, { authorization: `Bearer ${token}`, range: "bytes=0-0" });
        expect(file.status).toBe(206);
        expect(String(file.headers["content-range"])).toMatch(/^bytes 0-0\/\d+$/);
    });

    it("goes Waiting -> In Progress -> Succeeded, and only deletes rows that exist when it starts (createdby conditions too)", async () => {
        sim.setBulkDeleteTiming({ startDelayMs: 100, durationMs: 500 });
        const env = sim.dataset.environments[0];
        const creator = "0000000c-0000-4000-8000-000000000001";
        const base = { ...env.flowsessions[5], _createdby_value: creator };
        env.flowsessions = [...env.flowsessions, { ...base, flowsessionid: runId(1000), createdon: new Date(Date.now() - 60_000).toISOString() }];
        const r = await bulkDelete({ FilterOperator: "And", Conditions: [
            { AttributeName: "createdby", Operator: "Equal", Values: [{ Value: creator, Type: "System.Guid" }] },
            { AttributeName: "createdon", Operator: "LessThan", Values: [date("2099-01-01T00:00:00Z")] },
        ] });
        const jobId = String(r.json.JobId);
        expect((await call("GET", `asyncoperations(${jobId})`)).json).toMatchObject({ statecode: 0, statuscode: 0 });
        // Created (createdon) after the job starts: it matches the query, but the job never sees it.
        env.flowsessions = [...env.flowsessions, { ...base, flowsessionid: runId(1001), createdon: new Date(Date.now() + 60_000).toISOString() }];
        await new Promise((res) => setTimeout(res, 250));
        expect((await call("GET", `asyncoperations(${jobId})`)).json).toMatchObject({ statecode: 2, statuscode: 20 });
        expect((await waitDone(jobId)).statuscode).toBe(30);
        expect(ids()).not.toContain(runId(1000));
        expect(ids()).toContain(runId(1001));
    });

    it("a job under the bulkdelete-partial profile stops half-way: Failed, with success and failure counts", async () => {
        sim.setFaults("bulkdelete-partial");
        const before = ids().length;
        const r = await bulkDelete({ Conditions: [{ AttributeName: "createdon", Operator: "LessThan", Values: [date(new Date(Date.UTC(2026, 0, 10) + 20 * 60_000).toISOString())] }] });
        const done = await waitDone(String(r.json.JobId));
        expect(done.statuscode).toBe(31);
        expect(String(done.message)).toMatch(/stopped after deleting \d+ of \d+ records/);
        const bulk = ((await call("GET", `bulkdeleteoperations?$filter=_asyncoperationid_value eq ${String(r.json.JobId)}`)).json.value as Array<Record<string, unknown>>)[0];
        const success = Number(bulk.successcount);
        expect(success).toBeGreaterThan(0);
        expect(Number(bulk.failurecount)).toBeGreaterThanOrEqual(success);
        expect(before - ids().length).toBe(success);
    });

    it("answers 403 naming a missing privilege, 400 for what it cannot run, 405 for other writes, and keeps recurring jobs waiting", async () => {
        sim.setDeniedPrivileges("alpha", ["prvBulkDelete"]);
        const denied = await bulkDelete({});
        expect(denied.status).toBe(403);
        expect(JSON.stringify(denied.json)).toMatch(/missing prvBulkDelete privilege/);
        sim.setDeniedPrivileges("alpha", ["prvDeleteflowsession"]);
        const noDelete = await bulkDelete({});
        expect(noDelete.status).toBe(403);
        expect(JSON.stringify(noDelete.json)).toMatch(/missing prvDeleteflowsession privilege .* for entity 'flowsession'/);
        sim.setDeniedPrivileges("alpha", []);
        expect((await bulkDelete({ Conditions: [{ AttributeName: "nosuchcolumn", Operator: "Equal", Values: [1] }] })).status).toBe(400);
        expect((await call("POST", "BulkDelete", { QuerySet: [{ EntityName: "account" }], JobName: "x" })).status).toBe(400);
        expect((await call("DELETE", `flowsessions(${runId(3)})`)).status).toBe(405);
        expect((await call("POST", "flowsessions", {})).status).toBe(405);

        const count = ids().length;
        const jobId = sim.submitBulkDelete("alpha", {
            QuerySet: [{ EntityName: "flowsession", Criteria: { Conditions: [{ AttributeName: "createdon", Operator: "OlderThanXMonths", Values: [{ Value: 240, Type: "System.Int32" }] }] } }],
            JobName: "Wizard: runs older than 20 years", RecurrencePattern: "FREQ=DAILY;INTERVAL=1",
        });
        await new Promise((res) => setTimeout(res, 50));
        const job = sim.bulkDeleteJobs().find((j) => j.jobId === jobId)!;
        expect(job.bulkdeleteoperation).toMatchObject({ isrecurring: true, statecode: 1, statuscode: 10 });
        expect(ids()).toHaveLength(count);
    });
});
