import { gzipSync } from "node:zlib";
import type { DataverseRow, ExpectedRun, SampleDataset, SampleEnvironment, V1Encoding } from "../../../simulator/sample/model.js";

/**
 * A small, fully known dataset in the generator's contract shape (simulator/sample/model.ts), so the
 * build's end-to-end test does not depend on the generator's statistics. Two environments: V1 with
 * every encoding plus a malformed log, and V2. One planted bottleneck: "Read file" is 8x slower on m2.
 */
const guid = (prefix: string, n: number) => `${prefix}${String(n).padStart(8 - prefix.length, "0")}-0000-4000-8000-000000000000`;
const ENCODINGS: V1Encoding[] = ["json", "json-bom", "base64", "gzip", "gzip-base64"];
const ACTIONS = [
    { sub: "Main", name: "Open app", sys: "System.RunApplication", ms: 900 },
    { sub: "Main", name: "Read file", sys: "File.ReadText", ms: 200 },
    { sub: "Process", name: "Set variable", sys: "Variables.SetVariable", ms: 5 },
    { sub: "Process", name: "Click", sys: "UIAutomation.Click", ms: 300 },
];

function encode(doc: string, e: V1Encoding): Buffer {
    const b = Buffer.from(doc);
    switch (e) {
        case "json": return b;
        case "json-bom": return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]);
        case "base64": return Buffer.from(b.toString("base64").replace(/(.{76})/g, "$1\r\n"));
        case "gzip": return gzipSync(b);
        case "gzip-base64": return Buffer.from(gzipSync(b).toString("base64"));
    }
}

export function syntheticSample(runsPerEnv = 40): SampleDataset {
    const start = Date.parse("2026-10-31T20:00:00Z");
    const envs: SampleEnvironment[] = [];
    const manifestRuns: Record<string, Record<string, ExpectedRun>> = {};
    const envStats: SampleDataset["manifest"]["environments"] = [];
    for (const [e, version] of [[0, 0], [1, 1]] as const) {
        const name = `env${e}`;
        const flowId = guid(`f${e}`, 1);
        const machines = [guid(`a${e}`, 1), guid(`a${e}`, 2)];
        const sessions: DataverseRow[] = [];
        const v1 = new Map<string, Buffer>();
        const v2 = new Map<string, DataverseRow[]>();
        const expected: Record<string, ExpectedRun> = {};
        let totalActions = 0;
        let totalFailed = 0;
        for (let r = 0; r < runsPerEnv; r++) {
            const runId = guid(`${e}${r % 10}`, r);
            const machineId = machines[r % 2];
            const t0 = start + r * 1_800_000 + 123; // every 30 minutes, odd ms to test round-trips
            const failed = r % 7 === 3;
            let t = t0;
            const items = [];
            for (let k = 0; k < 3 + (r % 4); k++) {
                const a = ACTIONS[k % ACTIONS.length];
                const slow = a.name === "Read file" && machineId === machines[1] ? 8 : 1;
                const ms = a.ms * slow + (r % 5) * 3;
                const isFail = failed && k === 1;
                items.push({ a, k, t, ms, isFail });
                t += ms + 7;
            }
            const unfinished = r === runsPerEnv - 1;
            const malformed = version === 0 && r === 5;
            const encoding = ENCODINGS[r % ENCODINGS.length];
            sessions.push({
                flowsessionid: runId, _regardingobjectid_value: flowId, statuscode: unfinished ? 2 : failed ? 8 : 4,
                createdon: new Date(t0 - 5000).toISOString(), startedon: new Date(t0).toISOString(),
                completedon: unfinished ? null : new Date(t).toISOString(), modifiedon: new Date(t + 1000).toISOString(),
                _machineid_value: machineId, runmode: 2, triggertype: version === 1 ? 0 : 1, runduration: unfinished ? null : t - t0,
                errorcode: failed ? "ActionFailed" : null, errormessage: failed ? "Click failed" : null,
                context: JSON.stringify({ hostName: `HOST${r % 2}` }),
            });
            const logged = !unfinished;
            if (logged && version === 0) {
                const doc = malformed
                    ? '{"actions": [ {"name": "broken", '
                    : JSON.stringify({ actions: items.map(({ a, k, t: at, ms, isFail }) => ({
                        index: k + 1, name: a.name, systemActionName: a.sys, functionName: a.sub,
                        startTime: new Date(at).toISOString().replace("Z", "0000+00:00"), duration: ms,
                        status: isFail ? "Failed" : "Succeeded", ...(isFail ? { error: { code: "E42", message: "not found" } } : {}),
                    })) });
                v1.set(runId, encode(doc, encoding));
            }
            if (logged && version === 1) {
                v2.set(runId, [
                    { flowlogid: guid("c", r), type: 100000003, data: "{}", createdon: new Date(t0).toISOString(), _flowsessionid_value: runId },
                    ...items.map(({ a, k, t: at, ms, isFail }) => ({
                        flowlogid: guid(`c${k}`, r), type: 100000001, level: isFail ? 100000004 : 100000002, _flowsessionid_value: runId,
                        createdon: new Date(at + ms).toISOString(),
                        data: JSON.stringify({ actionName: a.name, actionType: a.sys, subflow: a.sub, actionIndex: k + 1, startedOn: new Date(at).toISOString(),
                            endTime: new Date(at + ms).toISOString(), result: isFail ? "Failed" : "Succeeded", ...(isFail ? { errorCode: "E42", errorMessage: "not found" } : {}) }),
                    })),
                ]);
            }
            const nActions = logged && !malformed ? items.length : 0;
            const nFailed = logged && !malformed ? items.filter((i) => i.isFail).length : 0;
            totalActions += nActions;
            totalFailed += nFailed;
            expected[runId] = {
                runId, flowId, machineId, statusCode: unfinished ? 2 : failed ? 8 : 4,
                v1: logged && version === 0 ? { encoding, ...(malformed ? { malformed: "truncated-json: cut off" } : {}) } : null,
                v2: logged && version === 1, actions: nActions, failedActions: nFailed,
            };
        }
        manifestRuns[name] = expected;
        envStats.push({ name, logVersion: version, logStatus: 0, runs: runsPerEnv, actions: totalActions, failedActions: totalFailed });
        envs.push({
            name, displayName: `Env ${e}`, tenantId: "t", clientId: "c", clientSecret: "s",
            organization: { organizationid: guid("0", e), name: `Env ${e}`, desktopflowrunactionlogversion: version, desktopflowrunactionlogsstatus: 0, desktopflowrunactionlogverbosity: 0, flowlogsttlinminutes: 0 },
            workflows: [{ workflowid: flowId, name: `Invoices ${e}`, category: 6, uiflowtype: 2, statecode: 1, _ownerid_value: guid("b", 1), createdon: "2026-01-01T00:00:00Z", modifiedon: "2026-02-01T00:00:00Z" }],
            flowmachinegroups: [{ flowmachinegroupid: guid("9", e), name: "Group", flowgrouptype: 545940001 }],
            flowmachines: machines.map((m, i) => ({ flowmachineid: m, name: `M${i + 1}`, _flowmachinegroupid_value: guid("9", e), hostingtype: 0, agentversion: "2.50" })),
            flowsessions: sessions,
            additionalContext: (id) => v1.get(id),
            flowLogs: (id) => v2.get(id) ?? [],
        });
    }
    const options = { seed: 1, envs: 2, days: 1, endDate: "2026-11-02T00:00:00Z", scale: 1, largeRuns: 0 };
    return {
        options,
        environments: envs,
        manifest: {
            seed: 1, options, environments: envStats, runs: manifestRuns,
            bottlenecks: envs.map((env) => ({
                kind: "slow-on-machine" as const, env: env.name, flowId: String(env.workflows[0].workflowid), flowName: String(env.workflows[0].name),
                subflow: "main" /* the log writes "Main": one main subflow, however spelt */, actionName: "Read file", machineId: String(env.flowmachines[1].flowmachineid), machineName: "M2", slowdownFactor: 8,
            })),
        },
    };
}
