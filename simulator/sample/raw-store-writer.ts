import { FLOWLOG_ACTION_TYPE } from "../../pipeline/decode/v2.js";
import { logPlan, logSettingsOf } from "../../pipeline/pull/log-plan.js";
import { RawStore, type LogFetchState, type Row } from "../../pipeline/store/raw-store.js";
import type { SampleDataset } from "./model.js";

/**
 * Writes a generated dataset straight into a RawStore, asking for logs by the pull's own rules
 * (`logPlan`: finished runs only, V1/V2 as the org's settings say, V2 only for cloud-started runs);
 * V2 rows are filtered to action rows like the pull's $filter.
 * Lets build tests and the benchmark run end to end without a server.
 */
export async function writeSampleToRawStore(
    out: string,
    dataset: SampleDataset,
    fetchedAt = "2026-01-01T00:00:00Z",
    /** Only these runs (as a pull that re-fetched them would); default every run. */
    only?: (env: string, runId: string) => boolean,
): Promise<RawStore> {
    const store = new RawStore(out);
    for (const env of dataset.environments) {
        const org = env.organization;
        const settings = logSettingsOf(org as Row);
        await store.writeSnapshot(env.name, "organizations", [org as Row]);
        await store.writeSnapshot(env.name, "workflows", env.workflows as Row[]);
        await store.writeSnapshot(env.name, "flowmachines", env.flowmachines as Row[]);
        await store.writeSnapshot(env.name, "flowmachinegroups", env.flowmachinegroups as Row[]);
        let watermark: string | null = null;
        for (const s of env.flowsessions) {
            const runId = String(s.flowsessionid);
            if (only && !only(env.name, runId)) continue;
            const plan = logPlan(settings, s as Row);
            let v1: Uint8Array | undefined;
            let v2: Row[] | undefined;
            let v1State: LogFetchState = "not-applicable";
            let v2State: LogFetchState = "not-applicable";
            if (plan.v1) {
                v1 = env.additionalContext(runId);
                v1State = v1 ? "fetched" : "absent";
            }
            if (plan.v2) {
                const rows = env.flowLogs(runId).filter((r) => Number(r.type) === FLOWLOG_ACTION_TYPE) as Row[];
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
