/**
 * The Parquet data contract (docs/data-contract.md): the single source of truth for table names, column names,
 * DuckDB types and partitioning. The loader builds its SQL from this, the schema test reads the Parquet
 * back and compares against it, and the Power BI kit checks its Power Query types against it.
 *
 * Timestamps are TIMESTAMPTZ in UTC at millisecond precision; ids are lowercase GUID strings (VARCHAR).
 * Every table is Hive-partitioned by env, the run tables also by month: <out>/<table>/env=<env>[/month=<YYYY-MM>]/<file>.parquet,
 * and the files that make up the current generation of an environment are the ones its manifest lists (docs/data-contract.md, "Reading").
 */

export type DuckType = "VARCHAR" | "INTEGER" | "BIGINT" | "DOUBLE" | "TIMESTAMPTZ" | "TIMESTAMP" | "DATE" | "BOOLEAN";

export interface ColumnDef {
    name: string;
    type: DuckType;
    /** Why the column exists or how it is derived, for docs/data-contract.md and the visual's field docs. */
    doc: string;
}

export interface TableDef {
    name: TableName;
    /** Grain: the columns that identify a row. */
    key: readonly string[];
    /** Hive partition columns (in folder order). */
    partitionBy: readonly ("env" | "month")[];
    columns: readonly ColumnDef[];
}

export type TableName = "environments" | "flows" | "machines" | "runs" | "actions" | "action_hourly" | "quarantine";

const c = (name: string, type: DuckType, doc: string): ColumnDef => ({ name, type, doc });

export const ENVIRONMENTS: TableDef = {
    name: "environments",
    key: ["env"],
    partitionBy: ["env"],
    columns: [
        c("env", "VARCHAR", "short slug chosen in config"),
        c("url", "VARCHAR", "environment URL"),
        c("display_name", "VARCHAR", "organization friendly name"),
        c("log_version", "INTEGER", "organization.desktopflowrunactionlogversion: 0 V1, 1 V2, 2 both"),
        c("log_status", "INTEGER", "organization.desktopflowrunactionlogsstatus: 0 Enabled, 1 OnFailure, 2 Disabled"),
        c("log_verbosity", "INTEGER", "organization.desktopflowrunactionlogverbosity: 0 Full .. 4 Error"),
        c("flowlog_ttl_minutes", "INTEGER", "organization.flowlogsttlinminutes (0 = forever)"),
        c("pulled_at", "TIMESTAMPTZ", "when the last pull of this environment completed"),
        c("time_zone", "VARCHAR", "IANA time zone of the environment's bots (config timeZone, default UTC): the *_local, local_* columns use it"),
    ],
};

export const FLOWS: TableDef = {
    name: "flows",
    key: ["env", "flow_id"],
    partitionBy: ["env"],
    columns: [
        c("env", "VARCHAR", "environment slug"),
        c("flow_id", "VARCHAR", "workflow.workflowid"),
        c("flow_name", "VARCHAR", "workflow.name"),
        c("ui_flow_type", "INTEGER", "workflow.uiflowtype"),
        c("ui_flow_type_label", "VARCHAR", "label of ui_flow_type"),
        c("state", "INTEGER", "workflow.statecode"),
        c("owner_id", "VARCHAR", "workflow._ownerid_value"),
        c("created_on", "TIMESTAMPTZ", "workflow.createdon"),
        c("modified_on", "TIMESTAMPTZ", "workflow.modifiedon"),
    ],
};

export const MACHINES: TableDef = {
    name: "machines",
    key: ["env", "machine_id"],
    partitionBy: ["env"],
    columns: [
        c("env", "VARCHAR", "environment slug"),
        c("machine_id", "VARCHAR", "flowmachine.flowmachineid"),
        c("machine_name", "VARCHAR", "flowmachine.name"),
        c("machine_group_id", "VARCHAR", "flowmachine._flowmachinegroupid_value"),
        c("machine_group_name", "VARCHAR", "flowmachinegroup.name"),
        c("hosting_type", "INTEGER", "flowmachine.hostingtype: 0 Customer, 1 Hosted, 2 CloudPc"),
    ],
};

export const RUNS: TableDef = {
    name: "runs",
    key: ["env", "run_id"],
    partitionBy: ["env", "month"],
    columns: [
        c("env", "VARCHAR", "environment slug (partition)"),
        c("month", "VARCHAR", "YYYY-MM of the run's created_on in UTC (partition)"),
        c("run_id", "VARCHAR", "flowsession.flowsessionid"),
        c("flow_id", "VARCHAR", "flowsession._regardingobjectid_value"),
        c("flow_name", "VARCHAR", "workflow.name"),
        c("status_code", "INTEGER", "flowsession.statuscode"),
        c("status", "VARCHAR", "label of status_code"),
        c("run_mode", "INTEGER", "flowsession.runmode: 0 Local, 1 Attended, 2 Unattended"),
        c("trigger_type", "INTEGER", "flowsession.triggertype"),
        c("machine_id", "VARCHAR", "flowsession._machineid_value"),
        c("machine_name", "VARCHAR", "flowmachine.name"),
        c("host_name", "VARCHAR", "flowsession.context.hostName"),
        c("created_on", "TIMESTAMPTZ", "flowsession.createdon"),
        c("started_on", "TIMESTAMPTZ", "flowsession.startedon"),
        c("completed_on", "TIMESTAMPTZ", "flowsession.completedon"),
        c("started_on_local", "TIMESTAMP", "started_on as wall-clock time in the environment's time zone (DST-correct), no offset"),
        c("local_date", "DATE", "date of started_on in the environment's time zone (created_on when the run never started): relate the Date table here"),
        c("local_hour", "INTEGER", "hour of day (0-23) of started_on in the environment's time zone"),
        c("run_label", "VARCHAR", "flow name, local start time and status, e.g. 'Invoice entry · 2026-11-05 09:00:12 · Failed': a readable run header"),
        c("queue_ms", "BIGINT", "started_on - created_on in ms"),
        c("duration_ms", "BIGINT", "flowsession.runduration, else completed_on - started_on"),
        c("error_code", "VARCHAR", "flowsession.errorcode"),
        c("error_message", "VARCHAR", "flowsession.errormessage"),
        c("parent_run_id", "VARCHAR", "flowsession._parentdesktopflowrunid_value or context.parentWorkflowRunId"),
        c("parent_cloud_run_id", "VARCHAR", "flowsession.parentcloudflowrunsequenceid"),
        c("log_source", "VARCHAR", "V1, V2 or none: where the actions came from"),
        c("log_state", "VARCHAR", "parsed, quarantined, pending (the run has not finished: its log comes when it does), unavailable (the server failed to serve the log on 3 pulls in a row), disabled or missing"),
        c("action_count", "INTEGER", "number of actions rows of the run"),
        c("failed_action_count", "INTEGER", "actions of the run with status Failed outside error handling (run failures)"),
        c("handled_failure_count", "INTEGER", "actions of the run with status Failed inside an error handler (inside_error_handling true): handled, not a run failure"),
        c("decode_warnings", "INTEGER", "actions of the run with at least one field that could not be read (that field is null); 0 when all read"),
        c("decode_warning", "VARCHAR", "the first such problem, e.g. 'action 12: unparseable timestamp for endTime'; null when none"),
        c("modified_on", "TIMESTAMPTZ", "flowsession.modifiedon"),
        c("deleted_in_source_on", "TIMESTAMPTZ", "when the run left Dataverse (completion of the padlens retention job that deleted it, or when a reconciliation first missed it); null while Dataverse has it. The run and its actions stay here: history beyond retention is the point"),
    ],
};

export const ACTIONS: TableDef = {
    name: "actions",
    key: ["env", "run_id", "seq"],
    partitionBy: ["env", "month"],
    columns: [
        c("env", "VARCHAR", "environment slug (partition)"),
        c("month", "VARCHAR", "YYYY-MM of the run's created_on in UTC (partition; same as the run's)"),
        c("run_id", "VARCHAR", "flowsession.flowsessionid"),
        c("flow_id", "VARCHAR", "the run's flow"),
        c("seq", "INTEGER", "execution order within the run, 0-based: list order (V1), logindex then start to 100 ns (V2), depth-first over nested children"),
        c("parent_seq", "INTEGER", "seq of the enclosing action (loop, subflow call): as nested or stated by the log, else derived from spans; null at top level"),
        c("depth", "INTEGER", "nesting depth, 0 at top level"),
        c("is_container", "BOOLEAN", "true when other actions are its children (loops, subflow calls): its duration is theirs, so aggregates and the visual leave it out"),
        c("action_index", "INTEGER", "action index / script line in the subflow"),
        c("subflow", "VARCHAR", "subflow (functionName); 'main' when absent (any spelling of main is written 'main')"),
        c("action_name", "VARCHAR", "action display name"),
        c("system_action_name", "VARCHAR", "'<module>.<action>' (PAD's script naming, e.g. UIAutomation.Click) when the log names a module, else as logged"),
        c("module", "VARCHAR", "the action's module system name (systemModuleName, e.g. UIAutomation); null when the log does not say"),
        c("inside_error_handling", "BOOLEAN", "insideErrorHandling: the action ran inside an error handler; null when the log does not say"),
        c("started_on", "TIMESTAMPTZ", "action start, UTC, ms precision (7-digit fractions are truncated; their order is kept in seq); null when unknown"),
        c("started_on_local", "TIMESTAMP", "started_on as wall-clock time in the environment's time zone, no offset"),
        c("local_hour", "INTEGER", "hour of day (0-23) of started_on in the environment's time zone"),
        c("local_weekday", "INTEGER", "ISO weekday of started_on in the environment's time zone: 1 Monday .. 7 Sunday"),
        c("ended_on", "TIMESTAMPTZ", "action end, UTC; start + duration (the log's or the flowlog row's) when absent; null when unknown (missing, null, 0001-01-01, before 1970)"),
        c("duration_ms", "BIGINT", "duration in ms; end - start when absent; null when unknown"),
        c("status", "VARCHAR", "Succeeded, Failed, Skipped, ... as logged (normalised first letter upper-case)"),
        c("level", "VARCHAR", "log level as logged"),
        c("error_code", "VARCHAR", "error code of a failed action"),
        c("error_message", "VARCHAR", "error message of a failed action"),
        c("error_correlation_id", "VARCHAR", "error.correlationId of a failed action"),
        c("inputs_json", "VARCHAR", "{name: value} of the action's inputs, secrets redacted as ***; only with logs.includeInputsOutputs, else null"),
        c("outputs_json", "VARCHAR", "{name: value} of the action's outputs, secrets redacted as ***; only with logs.includeInputsOutputs, else null"),
        c("decode_warning", "VARCHAR", "what could not be read in this action (that field is null); null when all read"),
        c("machine_id", "VARCHAR", "the run's machine"),
        c("log_source", "VARCHAR", "V1 or V2"),
        c("run_label", "VARCHAR", "the run's run_label (flow, local start, status): what the visual shows as the run header"),
    ],
};

export const ACTION_HOURLY: TableDef = {
    name: "action_hourly",
    key: ["env", "flow_id", "subflow", "action_name", "system_action_name", "module", "is_container", "machine_id", "hour"],
    partitionBy: ["env", "month"],
    columns: [
        c("env", "VARCHAR", "environment slug (partition)"),
        c("month", "VARCHAR", "YYYY-MM of hour (partition)"),
        c("flow_id", "VARCHAR", "flow"),
        c("subflow", "VARCHAR", "subflow"),
        c("action_name", "VARCHAR", "action display name"),
        c("system_action_name", "VARCHAR", "'<module>.<action>' as in actions"),
        c("module", "VARCHAR", "module system name as in actions"),
        c("is_container", "BOOLEAN", "containers (loops, subflow calls) aggregated apart: leave them out of bottlenecks"),
        c("machine_id", "VARCHAR", "machine (null when the run had none)"),
        c("hour", "TIMESTAMPTZ", "UTC hour start of the action's started_on (actions with no start are not aggregated)"),
        c("local_hour_start", "TIMESTAMP", "hour as wall-clock time in the environment's time zone (a :30 start in half-hour zones)"),
        c("local_date", "DATE", "date of local_hour_start: relate the Date table here"),
        c("local_hour", "INTEGER", "hour of day (0-23) of local_hour_start"),
        c("local_weekday", "INTEGER", "ISO weekday of local_hour_start: 1 Monday .. 7 Sunday"),
        c("executions", "BIGINT", "number of executions"),
        c("failures", "BIGINT", "executions with status Failed (handled ones included)"),
        c("handled_failures", "BIGINT", "failed executions inside an error handler"),
        c("total_ms", "BIGINT", "sum of duration_ms"),
        c("p50_ms", "DOUBLE", "median duration, quantile_cont (linear interpolation)"),
        c("p90_ms", "DOUBLE", "90th percentile duration, quantile_cont"),
        c("p95_ms", "DOUBLE", "95th percentile duration, quantile_cont"),
        c("max_ms", "BIGINT", "longest duration"),
    ],
};

export const QUARANTINE: TableDef = {
    name: "quarantine",
    key: ["env", "run_id", "log_source"],
    partitionBy: ["env", "month"],
    columns: [
        c("env", "VARCHAR", "environment slug"),
        c("month", "VARCHAR", "YYYY-MM of the run's created_on in UTC, as in runs (partition)"),
        c("run_id", "VARCHAR", "flowsession.flowsessionid"),
        c("log_source", "VARCHAR", "V1 or V2"),
        c("reason", "VARCHAR", "why the log could not be decoded (one line)"),
        c("raw_path", "VARCHAR", "path of the raw bytes, relative to the output folder: quarantine/<env>/<runId>.<ext>"),
        c("raw_bytes", "BIGINT", "size of the raw bytes"),
        c("first_seen", "TIMESTAMPTZ", "first build that quarantined this log"),
    ],
};

export const TABLES: readonly TableDef[] = [ENVIRONMENTS, FLOWS, MACHINES, RUNS, ACTIONS, ACTION_HOURLY, QUARANTINE];

export function tableDef(name: TableName): TableDef {
    const t = TABLES.find((x) => x.name === name);
    if (!t) throw new Error(`unknown table ${name}`);
    return t;
}

/** `name TYPE, ...` for CREATE TABLE. */
export function columnsDdl(t: TableDef): string {
    return t.columns.map((col) => `${col.name} ${col.type}`).join(", ");
}
