import { request } from "node:https";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { DataverseRow, SampleDataset, SampleEnvironment } from "../../../simulator/sample/model.js";

export const caDir = (): string => process.env.PADLENS_TEST_CA_DIR ?? path.resolve("test-output", "ca");

/** A small hand-made environment: `runs` flow sessions over 3 flows, one V1 log per even run. */
export function makeEnvironment(name: string, runs: number, overrides: Partial<SampleEnvironment> = {}): SampleEnvironment {
    const guid = (kind: number, i: number): string => `${kind.toString(16).padStart(8, "0")}-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
    const workflows: DataverseRow[] = [0, 1, 2].map((i) => ({
        workflowid: guid(1, i), name: `Flow ${i}`, category: 6, uiflowtype: 2, statecode: 1, _ownerid_value: guid(9, 1),
        createdon: "2026-01-01T00:00:00Z", modifiedon: "2026-01-02T00:00:00Z",
    }));
    workflows.push({ ...workflows[0], name: "Flow 0 (draft)", statecode: 0, __unpublished: true });
    const groups: DataverseRow[] = [{ flowmachinegroupid: guid(2, 1), name: "Group A", flowgrouptype: 545940001 }];
    const machines: DataverseRow[] = [{ flowmachineid: guid(3, 1), name: "VM-01", _flowmachinegroupid_value: guid(2, 1), hostingtype: 0, agentversion: "2.50" }];
    const sessions: DataverseRow[] = [];
    for (let i = 0; i < runs; i++) {
        const created = new Date(Date.UTC(2026, 0, 10) + i * 60_000).toISOString().replace(".000Z", "Z");
        sessions.push({
            flowsessionid: guid(4, i), _regardingobjectid_value: guid(1, i % 3), statuscode: i % 5 === 0 ? 8 : 4, statecode: 0,
            createdon: created, startedon: created, completedon: i === runs - 1 ? null : created, modifiedon: created,
            _machineid_value: guid(3, 1), _machinegroupid_value: guid(2, 1), runmode: 2, triggertype: 0, runduration: 1000 + i,
            errorcode: i % 5 === 0 ? "ActionFailed" : null, errormessage: null, context: "{}",
        });
    }
    const log = (i: number): Buffer => Buffer.from(JSON.stringify({ actions: Array.from({ length: 50 }, (_, k) => ({ name: `Action ${k}`, index: k, run: i })) }));
    return {
        name, displayName: `Env ${name}`, tenantId: `7e000000-0000-4000-8000-${name.padStart(12, "0").slice(-12).replace(/[^0-9a-f]/g, "a")}`,
        clientId: `c1000000-0000-4000-8000-${name.padStart(12, "0").slice(-12).replace(/[^0-9a-f]/g, "b")}`, clientSecret: `secret-${name}`,
        organization: { organizationid: guid(5, 1), name, desktopflowrunactionlogversion: 2, desktopflowrunactionlogsstatus: 0, desktopflowrunactionlogverbosity: 0, flowlogsttlinminutes: 0 },
        workflows, flowmachinegroups: groups, flowmachines: machines, flowsessions: sessions,
        additionalContext: (id) => {
            const i = sessions.findIndex((s) => s.flowsessionid === id);
            return i >= 0 && i % 2 === 0 ? log(i) : undefined;
        },
        flowLogs: (id) => {
            const i = sessions.findIndex((s) => s.flowsessionid === id);
            if (i < 0 || i % 3 !== 0) return [];
            return Array.from({ length: 25 }, (_, k) => ({
                flowlogid: guid(6, i * 1000 + k), _flowsessionid_value: id, type: k === 24 ? 100000002 : 100000001, level: 100000002,
                data: JSON.stringify({ actionName: `Action ${k}` }), createdon: new Date(Date.UTC(2026, 0, 10, 0, 0, k)).toISOString(), ttlinseconds: null,
            }));
        },
        ...overrides,
    };
}

export function makeDataset(environments: SampleEnvironment[]): SampleDataset {
    const options = { seed: 1, envs: environments.length, days: 1, endDate: "2026-02-01T00:00:00Z", scale: 1, largeRuns: 0 };
    return { options, environments, manifest: { seed: 1, options, environments: [], bottlenecks: [], runs: {} } };
}

export interface RawResponse {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: Buffer;
    /** How the response ended: complete, or the connection failed part-way. */
    outcome: "complete" | "aborted" | "error";
    error?: string;
}

/** A plain HTTPS request that reports truncation and resets instead of hiding them (the faults tests need that). */
export function rawGet(url: string, headers: Record<string, string> = {}, method = "GET", body?: string): Promise<RawResponse> {
    const ca = readFileSync(path.join(caDir(), "ca.crt"));
    return new Promise((resolve) => {
        const req = request(url, { method, headers, ca, agent: false }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), outcome: "complete" }));
            res.on("aborted", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), outcome: "aborted" }));
            res.on("error", (e) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), outcome: "aborted", error: e.message }));
        });
        req.on("error", (e) => resolve({ status: 0, headers: {}, body: Buffer.alloc(0), outcome: "error", error: e.message }));
        if (body) req.write(body);
        req.end();
    });
}

export async function getToken(tokenUrl: string, clientId: string, secret: string, scope: string): Promise<RawResponse & { json: Record<string, unknown> }> {
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: secret, scope }).toString();
    const res = await rawGet(tokenUrl, { "content-type": "application/x-www-form-urlencoded" }, "POST", form);
    return { ...res, json: JSON.parse(res.body.toString("utf8")) as Record<string, unknown> };
}
