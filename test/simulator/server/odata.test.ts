import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimulatorHandle } from "../../../simulator/server/index.js";
import { caDir, getToken, makeDataset, makeEnvironment, rawGet } from "./helpers.js";

let sim: SimulatorHandle;
let token: string;
let api: string;

beforeAll(async () => {
    sim = await startSimulator({ dataset: makeDataset([makeEnvironment("alpha", 1234)]), caDir: caDir() });
    const env = sim.environments[0];
    const t = await getToken(`${sim.authorityHost}/${env.tenantId}/oauth2/v2.0/token`, env.clientId, env.clientSecret, `${env.url}/.default`);
    token = String(t.json.access_token);
    api = `${env.url}/api/data/v9.2`;
});
afterAll(() => sim.close());

type Page = { value: Array<Record<string, unknown>>; "@odata.nextLink"?: string; "@odata.context": string; "@odata.count"?: number };

async function get(pathOrUrl: string, headers: Record<string, string> = {}) {
    const url = pathOrUrl.startsWith("https:") ? pathOrUrl : `${api}/${pathOrUrl}`;
    const res = await rawGet(url, { authorization: `Bearer ${token}`, ...headers });
    const text = res.body.toString("utf8");
    return { ...res, text, json: res.headers["content-type"]?.toString().includes("json") ? (JSON.parse(text) as Page & { error?: { code: string; message: string } }) : undefined };
}

async function all(path: string, pageSize: number): Promise<{ rows: Array<Record<string, unknown>>; pages: number }> {
    const rows: Array<Record<string, unknown>> = [];
    let next: string | undefined = `${api}/${path}`;
    let pages = 0;
    while (next) {
        const res = await get(next, { prefer: `odata.maxpagesize=${pageSize}` });
        expect(res.status).toBe(200);
        expect(res.headers["preference-applied"]).toBe(`odata.maxpagesize=${pageSize}`);
        rows.push(...res.json!.value);
        next = res.json!["@odata.nextLink"];
        pages++;
    }
    return { rows, pages };
}

describe("paging", () => {
    it("follows nextLink across many pages, every row once, in order", async () => {
        const { rows, pages } = await all("flowsessions?$select=flowsessionid,modifiedon&$orderby=modifiedon asc,flowsessionid asc", 100);
        expect(pages).toBe(13);
        expect(new Set(rows.map((r) => r.flowsessionid)).size).toBe(1234);
        const times = rows.map((r) => String(r.modifiedon));
        expect([...times].sort()).toEqual(times);
    });

    it("a nextLink is deterministic and survives rows added meanwhile", async () => {
        const first = await get("flowsessions?$select=flowsessionid&$orderby=createdon desc", { prefer: "odata.maxpagesize=10" });
        const link = first.json!["@odata.nextLink"]!;
        expect(link).toContain("$skiptoken=");
        const a = await get(link, { prefer: "odata.maxpagesize=10" });
        const env = sim.dataset.environments[0];
        env.flowsessions.push({ ...env.flowsessions[0], flowsessionid: "ffffffff-0000-4000-8000-000000000001", createdon: "2027-01-01T00:00:00Z" });
        try {
            const b = await get(link, { prefer: "odata.maxpagesize=10" });
            expect(b.json!.value).toEqual(a.json!.value);
        } finally {
            env.flowsessions.pop();
        }
    });

    it("defaults to 5000 per page and caps maxpagesize at 5000; $top disables paging", async () => {
        const res = await get("flowsessions?$select=flowsessionid", { prefer: "odata.maxpagesize=9000" });
        expect(res.json!.value).toHaveLength(1234);
        expect(res.headers["preference-applied"]).toBe("odata.maxpagesize=5000");
        const top = await get("flowsessions?$select=flowsessionid&$top=7&$count=true", { prefer: "odata.maxpagesize=5" });
        expect(top.json!.value).toHaveLength(5);
        expect(top.json!["@odata.nextLink"]).toBeUndefined();
        expect(top.json!["@odata.count"]).toBe(1234);
    });

    it("rejects a forged skiptoken", async () => {
        const res = await get("flowsessions?$skiptoken=abc");
        expect(res.status).toBe(400);
    });
});

describe("$filter, $orderby, $select", () => {
    it("filters with comparisons, and/or, parentheses, null and datetimes", async () => {
        const env = sim.dataset.environments[0];
        const since = String(env.flowsessions[1000].modifiedon);
        const ge = await all(`flowsessions?$select=flowsessionid&$filter=modifiedon ge ${since}`, 5000);
        expect(ge.rows).toHaveLength(234);
        const failedOrOpen = await get("flowsessions?$select=flowsessionid,statuscode,completedon&$filter=(statuscode eq 8 or completedon eq null) and runduration lt 1100");
        expect(failedOrOpen.json!.value.length).toBe(20);
        expect(failedOrOpen.json!.value.every((r) => r.statuscode === 8)).toBe(true);
        const flow = String(env.workflows[1].workflowid);
        const byFlow = await get(`flowsessions?$select=flowsessionid&$filter=_regardingobjectid_value eq ${flow.toUpperCase()} and statuscode ne 8`);
        expect(byFlow.json!.value.length).toBe(env.flowsessions.filter((s) => s._regardingobjectid_value === flow && s.statuscode !== 8).length);
        const named = await get("workflows?$filter=category eq 6 and contains(name,'flow 1')");
        expect(named.json!.value.map((w) => w.name)).toEqual(["Flow 1"]);
    });

    it("orders by several columns and selects only what was asked (plus key and etag)", async () => {
        const res = await get("flowsessions?$select=statuscode,runduration&$orderby=statuscode desc,runduration desc&$top=3");
        const row = res.json!.value[0];
        expect(Object.keys(row).sort()).toEqual(["@odata.etag", "flowsessionid", "runduration", "statuscode"]);
        // Failed runs (statuscode 8) are every fifth one; the longest of them come first.
        expect(res.json!.value.map((r) => [r.statuscode, r.runduration])).toEqual([[8, 2230], [8, 2225], [8, 2220]]);
        const asc = await get("flowsessions?$select=statuscode,runduration&$orderby=statuscode asc,runduration desc&$top=2");
        expect(asc.json!.value.map((r) => [r.statuscode, r.runduration])).toEqual([[4, 2233], [4, 2232]]);
        expect(res.json!["@odata.context"]).toBe(`${api}/$metadata#flowsessions(statuscode,runduration)`);
    });

    it("formatted values and lookup names with include-annotations", async () => {
        const res = await get("flowsessions?$select=statuscode,_regardingobjectid_value,createdon&$top=1", { prefer: 'odata.include-annotations="*"' });
        const row = res.json!.value[0];
        expect(row["statuscode@OData.Community.Display.V1.FormattedValue"]).toBe("Failed");
        expect(row["_regardingobjectid_value@OData.Community.Display.V1.FormattedValue"]).toBe("Flow 0");
        expect(row["_regardingobjectid_value@Microsoft.Dynamics.CRM.lookuplogicalname"]).toBe("workflow");
        expect(row["createdon@OData.Community.Display.V1.FormattedValue"]).toBe("1/10/2026 12:00 AM");
        expect(res.headers["preference-applied"]).toBe('odata.include-annotations="*"');
    });

    it("shows unpublished workflows only with MSCRM.IncludeUnpublished", async () => {
        expect((await get("workflows")).json!.value).toHaveLength(3);
        expect((await get("workflows", { "MSCRM.IncludeUnpublished": "true" })).json!.value).toHaveLength(4);
    });

    it("serves the organization, machines and groups, and one session by key", async () => {
        const org = await get("organizations?$select=desktopflowrunactionlogversion,flowlogsttlinminutes");
        expect(org.json!.value[0].desktopflowrunactionlogversion).toBe(2);
        expect((await get("flowmachines")).json!.value[0].name).toBe("VM-01");
        expect((await get("flowmachinegroups")).json!.value[0].flowgrouptype).toBe(545940001);
        const id = String(sim.dataset.environments[0].flowsessions[3].flowsessionid);
        const one = await get(`flowsessions(${id})?$select=statuscode`);
        expect(one.json).toMatchObject({ flowsessionid: id, statuscode: 4 });
    });
});

describe("errors", () => {
    it.each([
        ["flowsessions?$skip=10", 400, /\$skip is not supported/],
        ["flowsessions?$expand=regardingobjectid", 400, /\$expand is not supported/],
        ["flowsessions?$select=nosuchcolumn", 400, /Could not find a property named 'nosuchcolumn'/],
        ["flowsessions?$filter=nosuch eq 1", 400, /Could not find a property named 'nosuch'/],
        ["flowsessions?$filter=statuscode eq", 400, /Syntax error/],
        ["flowsessions?$filter=(statuscode eq 4", 400, /Syntax error/],
        ["flowsessions?$orderby=nosuch desc", 400, /Could not find a property/],
        ["flowsessions?$filter=modifiedon ge '2026-01-01T00:00:00Z'", 400, /incompatible types.*'Edm.DateTimeOffset' and 'Edm.String' for operator kind 'GreaterThanOrEqual'/],
        ["flowsessions?$filter=_regardingobjectid_value eq '00000001-0000-4000-8000-000000000001'", 400, /'Edm.Guid' and 'Edm.String'/],
        ["flowsessions?$filter=statuscode eq '8'", 400, /'Edm.Int32' and 'Edm.String'/],
        ["flowsessions?$select=credentials", 400, /Could not find a property/],
        ["widgets", 404, /Resource not found for the segment 'widgets'/],
        ["flowsessions(00000000-0000-4000-8000-000000000999)", 404, /Does Not Exist/],
    ])("%s -> %i", async (path, status, message) => {
        const res = await get(path);
        expect(res.status).toBe(status);
        expect(res.json!.error!.code).toMatch(/^0x8/);
        expect(res.json!.error!.message).toMatch(message);
    });

    it("404 outside the Web API and for unknown environments", async () => {
        expect((await get(`${sim.baseUrl}/nosuchenv/api/data/v9.2/flowsessions`)).status).toBe(404);
        expect((await get(`${sim.environments[0].url}/api/data/v8.0/flowsessions`)).status).toBe(404);
    });

    it("403 naming the missing privilege when a table is not readable", async () => {
        sim.setDeniedTables("alpha", ["flowlog"]);
        try {
            const id = String(sim.dataset.environments[0].flowsessions[0].flowsessionid);
            const res = await get(`flowsessions(${id})/flowsession_flowlog_parentobjectid`);
            expect(res.status).toBe(403);
            expect(res.json!.error!.message).toMatch(/^Principal user \(Id=[0-9a-f-]+, type=8, roleCount=1.*is missing prvReadflowlog privilege/);
            expect((await get("flowsessions?$top=1")).status).toBe(200);
        } finally {
            sim.setDeniedTables("alpha", []);
        }
    });
});

describe("logs", () => {
    const id = (i: number): string => String(sim.dataset.environments[0].flowsessions[i].flowsessionid);

    it("serves the V1 file with size and name headers, and ranges as 206", async () => {
        const whole = await get(`flowsessions(${id(2)})/additionalcontext/$value`);
        expect(whole.status).toBe(200);
        expect(Number(whole.headers["x-ms-file-size"])).toBe(whole.body.length);
        expect(whole.headers["x-ms-file-name"]).toBeTruthy();
        const part = await get(`flowsessions(${id(2)})/additionalcontext/$value`, { range: "bytes=10-109" });
        expect(part.status).toBe(206);
        expect(part.headers["content-range"]).toBe(`bytes 10-109/${whole.body.length}`);
        expect(part.body).toEqual(whole.body.subarray(10, 110));
        const tail = await get(`flowsessions(${id(2)})/additionalcontext/$value`, { range: `bytes=100-` });
        expect(tail.body).toEqual(whole.body.subarray(100));
        expect((await get(`flowsessions(${id(2)})/additionalcontext/$value`, { range: `bytes=${whole.body.length + 5}-` })).status).toBe(416);
    });

    it("404 with an OData error when a run has no V1 log", async () => {
        const res = await get(`flowsessions(${id(1)})/additionalcontext/$value`);
        expect(res.status).toBe(404);
        expect(res.json!.error!.message).toMatch(/additionalcontext/);
    });

    it("pages and filters a run's flowlog rows", async () => {
        const { rows, pages } = await all(`flowsessions(${id(3)})/flowsession_flowlog_parentobjectid?$filter=type eq 100000001&$orderby=createdon asc`, 10);
        expect(rows).toHaveLength(24);
        expect(pages).toBe(3);
        expect((await get(`flowsessions(${id(1)})/flowsession_flowlog_parentobjectid`)).json!.value).toEqual([]);
    });
});
