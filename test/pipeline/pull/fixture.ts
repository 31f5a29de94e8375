import path from "node:path";
import type { DataverseRow, SampleDataset, SampleEnvironment } from "../../../simulator/sample/model.js";
import { parseConfig, type PadlensConfig } from "../../../pipeline/config/config.js";
import type { SimulatorHandle } from "../../../simulator/server/index.js";
import { rawStoreDigest } from "../../support/store-digest.js";

export const caDir = (): string => process.env.PADLENS_TEST_CA_DIR ?? path.resolve("test-output", "ca");

const guid = (kind: number, env: number, i: number): string =>
    `${kind.toString(16).padStart(8, "0")}-${env.toString(16).padStart(4, "0")}-4000-8000-${i.toString(16).padStart(12, "0")}`;
const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");
const BASE = Date.UTC(2026, 0, 10);

export interface EnvSpec {
    name: string;
    runs: number;
    logVersion: 0 | 1 | 2;
    logStatus?: 0 | 1 | 2;
    ttlMinutes?: number;
    /** Index of a run whose V1 log is larger than 4 MiB (fetched in ranges). */
    largeRun?: number;
}

/**
 * A hand-made environment with known content: runs spread over flows, every 4th run failed, the last run
 * still running, triggertype alternating cloud-started (0) and desktop-started (1), V1 logs for every
 * run except multiples of 7, V2 rows for cloud-started runs, and some flowlog rows of other types.
 */
export function makeEnv(spec: EnvSpec, index: number): SampleEnvironment {
    const e = index + 1;
    const workflows: DataverseRow[] = [0, 1, 2].map((i) => ({
        workflowid: guid(1, e, i), name: `Flow ${i}`, category: 6, uiflowtype: 2, statecode: 1, _ownerid_value: guid(9, e, 1),
        createdon: "2026-01-01T00:00:00Z", modifiedon: "2026-01-02T00:00:00Z",
    }));
    workflows.push({ ...workflows[1], name: "Flow 1 (draft)", statecode: 0, modifiedon: "2026-01-03T00:00:00Z", __unpublished: true });
    workflows.push({ workflowid: guid(1, e, 99), name: "Cloud flow", category: 5, uiflowtype: null, statecode: 1, createdon: "2026-01-01T00:00:00Z", modifiedon: "2026-01-01T00:00:00Z" });
    const sessions: DataverseRow[] = [];
    for (let i = 0; i < spec.runs; i++) sessions.push(runRow(e, i, spec.runs));
    const failed = (row: DataverseRow): boolean => row.statuscode === 8;
    const v1 = (id: string): Buffer | undefined => {
        const i = sessions.findIndex((s) => s.flowsessionid === id);
        if (i < 0 || i % 7 === 0 || sessions[i].completedon === null) return undefined;
        if (spec.logStatus === 1 && !failed(sessions[i])) return undefined;
        if (i === spec.largeRun) return Buffer.from(JSON.stringify({ actions: Array.from({ length: 60_000 }, (_, k) => ({ name: `Action ${k}`, index: k, note: "x".repeat(40) })) }));
        return Buffer.from(JSON.stringify({ actions: Array.from({ length: 20 }, (_, k) => ({ name: `Action ${k}`, index: k, run: i, status: String(sessions[i].statuscode) })) }));
    };
    return {
        name: spec.name, displayName: `Env ${spec.name}`,
        tenantId: guid(0x7e, e, 0), clientId: guid(0xc1, e, 0), clientSecret: `S3cr3t-${spec.name}-${"q".repeat(20)}`,
        organization: {
            organizationid: guid(5, e, 1), name: spec.name, desktopflowrunactionlogversion: spec.logVersion,
            desktopflowrunactionlogsstatus: spec.logStatus ?? 0, desktopflowrunactionlogverbosity: 0, flowlogsttlinminutes: spec.ttlMinutes ?? 0,
        },
        workflows,
        flowmachinegroups: [{ flowmachinegroupid: guid(2, e, 1), name: "Group A", flowgrouptype: 545940001 }],
        flowmachines: [{ flowmachineid: guid(3, e, 1), name: "VM-01", _flowmachinegroupid_value: guid(2, e, 1), hostingtype: 0, agentversion: "2.50" }],
        flowsessions: sessions,
        additionalContext: (id) => (spec.logVersion === 1 ? undefined : v1(id)),
        flowLogs: (id) => {
            const i = sessions.findIndex((s) => s.flowsessionid === id);
            if (spec.logVersion === 0 || i < 0 || sessions[i].triggertype !== 0 || sessions[i].completedon === null) return [];
            if (spec.logStatus === 1 && !failed(sessions[i])) return [];
            return Array.from({ length: 12 }, (_, k) => ({
                flowlogid: guid(6, e, i * 100 + k), _flowsessionid_value: id, type: k === 11 ? 100000002 : 100000001, level: 100000002,
                data: JSON.stringify({ actionName: `Action ${k}`, status: sessions[i].statuscode }), createdon: iso(BASE + i * 60_000 + k * 1000), ttlinseconds: null,
            }));
        },
    };
}

function runRow(e: number, i: number, total: number): DataverseRow {
    const created = iso(BASE + i * 60_000);
    const running = i === total - 1;
    return {
        flowsessionid: guid(4, e, i), name: `run ${i}`, _regardingobjectid_value: guid(1, e, i % 3), statuscode: running ? 2 : i % 4 === 0 ? 8 : 4, statecode: 0,
        createdon: created, startedon: created, completedon: running ? null : iso(BASE + i * 60_000 + 30_000), modifiedon: iso(BASE + i * 60_000 + 30_000),
        _machineid_value: guid(3, e, 1), _machinegroupid_value: guid(2, e, 1), runmode: 2, triggertype: i % 2, runduration: 30_000,
        errorcode: i % 4 === 0 ? "ActionFailed" : null, errormessage: null, context: "{}",
    };
}

/** Moves the clock of an environment: finishes its running run, touches `touched` runs and adds `added` new ones. */
export function advanceEnv(env: SampleEnvironment, envIndex: number, touched: number[], added: number): string[] {
    const e = envIndex + 1;
    const changed: string[] = [];
    const later = iso(BASE + 30 * 86_400_000);
    for (const i of touched) {
        const row = env.flowsessions[i];
        row.modifiedon = later;
        if (row.completedon === null) {
            row.completedon = later;
            row.statuscode = 4;
        } else {
            row.errormessage = "annotated later";
        }
        changed.push(String(row.flowsessionid));
    }
    const start = env.flowsessions.length;
    for (let k = 0; k < added; k++) {
        const row = runRow(e, start + k, start + added + 1);
        row.modifiedon = iso(BASE + 31 * 86_400_000 + k * 1000);
        env.flowsessions.push(row);
        changed.push(String(row.flowsessionid));
    }
    return changed;
}

export function makeDataset(specs: EnvSpec[]): SampleDataset {
    const options = { seed: 1, envs: specs.length, days: 1, endDate: "2026-02-01T00:00:00Z", scale: 1, largeRuns: 0 };
    return { options, environments: specs.map(makeEnv), manifest: { seed: 1, options, environments: [], bottlenecks: [], runs: {} } };
}

export function configJson(sim: SimulatorHandle, out: string, extra: Record<string, unknown> = {}, secrets?: Record<string, string>): Record<string, unknown> {
    return {
        out,
        authorityHost: sim.authorityHost,
        concurrency: 6,
        pageSize: 50,
        ...extra,
        environments: sim.environments.map((e) => ({ name: e.name, url: e.url, tenantId: e.tenantId, clientId: e.clientId, clientSecret: secrets?.[e.name] ?? e.clientSecret })),
    };
}

export function makeConfig(sim: SimulatorHandle, out: string, extra: Record<string, unknown> = {}): PadlensConfig {
    return parseConfig(configJson(sim, out, extra), out);
}

/**
 * A canonical digest of a raw store: every snapshot, run row, fetch state (without its timestamp), V1
 * bytes and V2 rows, plus each watermark. Two pulls of the same data must give the same digest.
 */
export async function storeDigest(out: string): Promise<string> {
    return rawStoreDigest(out, { snapshots: true });
}
