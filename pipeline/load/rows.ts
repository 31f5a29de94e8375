import { runMonth, type Row } from "../store/raw-store.js";
import { parseTimestampOrNull } from "../decode/values.js";
import { RUN_STATUS, UI_FLOW_TYPE } from "./labels.js";

/**
 * Dataverse rows -> rows of the §3 tables, as plain objects keyed by column name. Timestamps are UTC
 * epoch ms (the loader turns them into TIMESTAMPTZ); ids are lowercased.
 */

export const str = (v: unknown): string | null => (v === null || v === undefined || v === "" ? null : String(v));
export const id = (v: unknown): string | null => str(v)?.toLowerCase() ?? null;
export const int = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? Math.trunc(v) : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Math.trunc(Number(v)) : null);
export const ts = (v: unknown): number | null => parseTimestampOrNull(v);

export function environmentRow(env: string, url: string | null, org: Row | undefined, pulledAt: string | undefined): Row {
    return {
        env,
        url,
        display_name: str(org?.friendlyname) ?? str(org?.name) ?? env,
        log_version: int(org?.desktopflowrunactionlogversion),
        log_status: int(org?.desktopflowrunactionlogsstatus),
        log_verbosity: int(org?.desktopflowrunactionlogverbosity),
        flowlog_ttl_minutes: int(org?.flowlogsttlinminutes),
        pulled_at: ts(pulledAt),
    };
}

export function flowRow(env: string, w: Row): Row {
    const type = int(w.uiflowtype);
    return {
        env,
        flow_id: id(w.workflowid),
        flow_name: str(w.name),
        ui_flow_type: type,
        ui_flow_type_label: type === null ? null : (UI_FLOW_TYPE[type] ?? `Unknown (${type})`),
        state: int(w.statecode),
        owner_id: id(w._ownerid_value),
        created_on: ts(w.createdon),
        modified_on: ts(w.modifiedon),
    };
}

export function machineRows(env: string, machines: Row[], groups: Row[]): Row[] {
    const groupName = new Map(groups.map((g) => [id(g.flowmachinegroupid), str(g.name)]));
    return machines.map((m) => ({
        env,
        machine_id: id(m.flowmachineid),
        machine_name: str(m.name),
        machine_group_id: id(m._flowmachinegroupid_value),
        machine_group_name: groupName.get(id(m._flowmachinegroupid_value)) ?? null,
        hosting_type: int(m.hostingtype),
    }));
}

function parseContext(v: unknown): Record<string, unknown> {
    if (typeof v !== "string" || v === "") return {};
    try {
        const o: unknown = JSON.parse(v);
        return o !== null && typeof o === "object" ? (o as Record<string, unknown>) : {};
    } catch {
        return {};
    }
}

/** The run's row without its log-derived columns (log_source, log_state, counts), which the build adds. */
export function runRow(env: string, s: Row, flowName: Map<string | null, string | null>, machineName: Map<string | null, string | null>): Row {
    const created = ts(s.createdon);
    const started = ts(s.startedon);
    const completed = ts(s.completedon);
    const code = int(s.statuscode);
    const ctx = parseContext(s.context);
    const flowId = id(s._regardingobjectid_value);
    const machineId = id(s._machineid_value);
    return {
        env,
        month: runMonth(s),
        run_id: id(s.flowsessionid),
        flow_id: flowId,
        flow_name: flowName.get(flowId) ?? null,
        status_code: code,
        status: code === null ? null : (RUN_STATUS[code] ?? `Unknown (${code})`),
        run_mode: int(s.runmode),
        trigger_type: int(s.triggertype),
        machine_id: machineId,
        machine_name: machineName.get(machineId) ?? null,
        host_name: str(ctx.hostName),
        created_on: created,
        started_on: started,
        completed_on: completed,
        queue_ms: created !== null && started !== null ? started - created : null,
        duration_ms: int(s.runduration) ?? (started !== null && completed !== null ? completed - started : null),
        error_code: str(s.errorcode),
        error_message: str(s.errormessage),
        parent_run_id: id(s._parentdesktopflowrunid_value) ?? id(ctx.parentWorkflowRunId),
        parent_cloud_run_id: str(s.parentcloudflowrunsequenceid),
        modified_on: ts(s.modifiedon),
    };
}
