import { RawStore, type LogFetchState, type Row } from "../../pipeline/store/raw-store.js";
import type { SampleDataset } from "./model.js";

const TERMINAL = new Set([4, 5, 7, 8, 9, 10, 11, 12, 13, 14]);
const ACTION_LOG = 100000001;

/**
 * Writes a generated dataset straight into a RawStore, following the rules `padlens pull` follows:
 * only finished runs get logs; V1 only when the org's log version is 0 or 2, V2 only when it is 1 or
 * 2, none when logs are disabled; V2 rows are filtered to action rows like the pull's $filter.
 * Lets build tests and the benchmark run end to end without a server.
 */
export async function writeSampleToRawStore(out: string, dataset: SampleDataset, fetchedAt = "2026-01-01T00:00:00Z"): Promise<RawStore> {
    const store = new RawStore(out);
    for (const env of dataset.environments) {
        const org = env.organization;
        const version = Number(org.desktopflowrunactionlogversion ?? 0);
        const status = Number(org.desktopflowrunactionlogsstatus ?? 0);
        await store.writeSnapshot(env.name, "organizations", [org as Row]);
        await store.writeSnapshot(env.name, "workflows", env.workflows as Row[]);
        await store.writeSnapshot(env.name, "flowmachines", env.flowmachines as Row[]);
        await store.writeSnapshot(env.name, "flowmachinegroups", env.flowmachinegroups as Row[]);
        let watermark: string | null = null;
        for (const s of env.flowsessions) {
            const runId = String(s.flowsessionid);
            const finished = (typeof s.completedon === "string" && s.completedon !== "") || TERMINAL.has(Number(s.statuscode));
            const logsOn = finished && status !== 2;
            let v1: Uint8Array | undefined;
            let v2: Row[] | undefined;
            let v1State: LogFetchState = "not-applicable";
            let v2State: LogFetchState = "not-applicable";
            if (logsOn && (version === 0 || version === 2)) {
                v1 = env.additionalContext(runId);
                v1State = v1 ? "fetched" : "absent";
            }
            if (logsOn && (version === 1 || version === 2)) {
                const rows = env.flowLogs(runId).filter((r) => Number(r.type) === ACTION_LOG) as Row[];
                if (rows.length) v2 = rows;
                v2State = rows.length ? "fetched" : "absent";
            }
            await store.writeRun(
                env.name,
                runId,
                {
                    row: s as Row,
                    fetch: { fetchedAt, v1: { state: v1State, bytes: v1?.byteLength }, v2: { state: v2State, rows: v2?.length } },
                },
                { v1, v2 },
            );
            if (typeof s.modifiedon === "string" && (watermark === null || s.modifiedon > watermark)) watermark = s.modifiedon;
        }
        await store.writeState(env.name, { schemaVersion: 1, watermark, lastPullStartedAt: fetchedAt, lastPullCompletedAt: fetchedAt });
    }
    return store;
}
