import type { EnvironmentConfig, PadlensConfig } from "../config/config.js";
import { createTokenSource, type TokenSource } from "../extract/auth.js";
import { DataverseClient, keyed, type ClientStats } from "../extract/dataverse-client.js";
import { DataverseError } from "../extract/odata-error.js";
import { scrub } from "../extract/secrets.js";
import { RawStore, type LogFetchState, type PullState, type Row, type StoredRun } from "../store/raw-store.js";
import { displayId, parseGuid } from "../util/ids.js";
import { logPlan, logSettingsOf, ttlWarnings, type LogSettings } from "./log-plan.js";
import { reconcileAfterPull } from "../retention/reconcile.js";
import { compactEnvironment } from "../store/compact.js";
import { CommittedPrefix, isWatermark } from "./watermark.js";

export interface EnvProgress {
    env: string;
    phase: "starting" | "snapshots" | "runs" | "done" | "failed";
    runsListed: number;
    runsFetched: number;
    runsUnchanged: number;
    /** Listed runs neither stored nor requested: their id (or modifiedon) is not something we can trust. */
    runsSkipped: number;
    /** Runs the listing will return, counted by the server before listing (a lower bound past 5,000), so the
     * progress bar's total does not grow as pages arrive. */
    runsExpected?: number;
    v1Files: number;
    v2Runs: number;
    bytes: number;
    requests: number;
    retries: number;
    throttled: number;
}

/** A listed run that was not stored: `id` is the server's value made printable (displayId). */
export interface SkippedRun {
    id: string;
    reason: string;
}

export interface EnvResult extends EnvProgress {
    ok: boolean;
    error?: string;
    watermark: string | null;
    warnings: string[];
    /** The first MAX_SKIPPED_LISTED skipped runs (runsSkipped counts them all). */
    skipped: SkippedRun[];
    durationMs: number;
}

export interface PullHooks {
    onProgress?: (p: EnvProgress) => void;
    onMessage?: (line: string) => void;
    /** Tests and callers may share a token source (e.g. device code across runs); default: one per environment. */
    tokens?: TokenSource;
    /** Fetch again the logs of runs recorded as unavailable (padlens pull --retry-unavailable). */
    retryUnavailable?: boolean;
    /** Attempts per request before giving up (default the client's); tests lower it. */
    maxAttempts?: number;
}

/**
 * A run whose log the server fails to serve (5xx after every retry) on this many pulls in a row is stored
 * with its log `unavailable` and the reason, so the environment moves on instead of failing on it forever.
 */
export const UNAVAILABLE_AFTER_PULLS = 3;

/** Columns of a run we keep. Never `credentials`; file columns are fetched through their own endpoint. */
export const FLOWSESSION_COLUMNS = [
    "flowsessionid", "name", "_regardingobjectid_value", "statuscode", "statecode", "startedon", "completedon", "createdon", "modifiedon",
    "_machineid_value", "_machinegroupid_value", "runmode", "triggertype", "runduration", "errorcode", "errormessage", "errordetails",
    "context", "parentcloudflowrunsequenceid", "_parentdesktopflowrunid_value",
];
const V2_ACTION_TYPE = 100000001;
/** A hostile server could list millions of bad rows: keep a few for the summary, count the rest. */
const MAX_SKIPPED_LISTED = 100;
const MAX_SKIPPED_SHOWN = 20;

export function odataDate(iso: string): string {
    return new Date(iso).toISOString().replace(/\.000Z$/, "Z");
}

/** Pulls one environment into the raw store; never throws (the error is in the result). */
export async function pullEnvironment(config: PadlensConfig, env: EnvironmentConfig, store: RawStore, hooks: PullHooks = {}): Promise<EnvResult> {
    const started = Date.now();
    const progress: EnvProgress = { env: env.name, phase: "starting", runsListed: 0, runsFetched: 0, runsUnchanged: 0, runsSkipped: 0, v1Files: 0, v2Runs: 0, bytes: 0, requests: 0, retries: 0, throttled: 0 };
    const report = (): void => hooks.onProgress?.({ ...progress });
    const syncStats = (s: ClientStats): void => {
        progress.bytes = s.bytes;
        progress.requests = s.requests;
        progress.retries = s.retries;
        progress.throttled = s.throttled;
        report();
    };
    const tokens = hooks.tokens ?? createTokenSource(env, config.authorityHost, (line) => hooks.onMessage?.(line));
    const client = new DataverseClient({
        env: env.name, url: env.url, tokens, maxConcurrency: config.concurrency, pageSize: config.pageSize,
        requestTimeoutMs: config.requestTimeoutSeconds * 1000, onStats: syncStats, maxAttempts: hooks.maxAttempts,
    });
    const state: PullState = await store.readState(env.name);
    const warnings: string[] = [];
    const skipped: SkippedRun[] = [];
    try {
        state.lastPullStartedAt = new Date().toISOString();
        state.timeZone = env.timeZone;
        state.url = env.url;
        progress.phase = "snapshots";
        report();
        const settings = await pullSnapshots(client, store, env.name);
        warnings.push(...ttlWarnings(env.name, settings, config.scheduleMinutes, state.lastPullCompletedAt));
        for (const w of warnings) hooks.onMessage?.(`warning: ${w}`);
        progress.phase = "runs";
        report();
        const logs = new LogFailures(store, env.name, state);
        if (hooks.retryUnavailable) await retryUnavailable(client, store, env.name, settings, progress, logs);
        await pullRuns(config, client, store, env.name, settings, state, progress, report, skipped, logs);
        // Runs deleted in Dataverse (by a retention job or anyone) stay in the archive, marked when they left.
        const gone = await reconcileAfterPull(client, store, env.name).catch((e: unknown) => {
            warnings.push(`${env.name}: deleted-run reconciliation skipped: ${scrub((e as Error).message)}`);
            return null;
        });
        if (gone?.newlyDeleted) warnings.push(`${env.name}: ${gone.newlyDeleted} archived runs are gone from Dataverse: kept, runs.deleted_in_source_on set`);
        state.lastPullCompletedAt = new Date().toISOString();
        await store.writeState(env.name, state);
        if (config.rawStore.compact) await compactAfterPull(store, env.name, config.rawStore, warnings, hooks.onMessage);
        if (progress.runsSkipped > 0) warnings.push(skippedLine(env.name, progress.runsSkipped, skipped));
        progress.phase = "done";
        report();
        return { ...progress, ok: true, watermark: state.watermark, warnings, skipped, durationMs: Date.now() - started };
    } catch (error) {
        progress.phase = "failed";
        report();
        const message = scrub(error instanceof Error ? error.message : String(error));
        if (progress.runsSkipped > 0) warnings.push(skippedLine(env.name, progress.runsSkipped, skipped));
        return { ...progress, ok: false, error: message.startsWith(`${env.name}:`) ? message : `${env.name}: ${message}`, watermark: state.watermark, warnings, skipped, durationMs: Date.now() - started };
    }
}

/**
 * Packs the environment's closed months (under the lock the pull holds). A failure costs nothing but the
 * packing: the loose files stay, and the next pull tries again.
 */
async function compactAfterPull(store: RawStore, env: string, settings: { closedAfterDays: number; packAfterHours: number }, warnings: string[], onMessage?: (line: string) => void): Promise<void> {
    try {
        const c = await compactEnvironment(store, env, settings);
        if (c.packsWritten) onMessage?.(`${env}: packed ${c.runsPacked} runs of ${c.months.join(", ")} into ${c.packsWritten} pack${c.packsWritten === 1 ? "" : "s"} (raw store files ${c.filesBefore} -> ${c.filesAfter})`);
    } catch (e) {
        warnings.push(`${env}: raw store compaction skipped: ${scrub((e as Error).message)} (the loose files are kept; the next pull tries again)`);
    }
}

/** `prod: 2 runs skipped (not stored, logs not requested): invalid flowsessionid '../x' (not a GUID), ...` */
function skippedLine(env: string, count: number, skipped: SkippedRun[]): string {
    const shown = skipped.slice(0, MAX_SKIPPED_SHOWN).map((s) => s.reason);
    if (count > shown.length) shown.push(`and ${count - shown.length} more`);
    return `${env}: ${count} run${count === 1 ? "" : "s"} skipped (not stored, logs not requested): ${shown.join(", ")}`;
}

/** Why a listed row cannot be stored, or undefined when it can (boundary check: nothing after it sees a bad id). */
function invalidRun(row: Row): string | undefined {
    if (parseGuid(row.flowsessionid) === undefined) return `invalid flowsessionid ${displayId(row.flowsessionid)} (not a GUID)`;
    if (!isWatermark(row.modifiedon)) return `invalid modifiedon ${displayId(row.modifiedon)} of run ${String(row.flowsessionid).toLowerCase()} (not an ISO UTC timestamp)`;
    return undefined;
}

async function pullSnapshots(client: DataverseClient, store: RawStore, env: string): Promise<LogSettings> {
    const [organizations, workflows, machines, groups] = await Promise.all([
        client.all("organizations", {}, "organizations"),
        client.all("workflows?$filter=category eq 6&$orderby=workflowid asc", { "MSCRM.IncludeUnpublished": "true" }, "workflows"),
        client.all("flowmachines?$orderby=flowmachineid asc", {}, "flowmachines"),
        client.all("flowmachinegroups?$orderby=flowmachinegroupid asc", {}, "flowmachinegroups"),
    ]);
    await store.writeSnapshot(env, "organizations", organizations);
    await store.writeSnapshot(env, "workflows", dedupeWorkflows(workflows));
    await store.writeSnapshot(env, "flowmachines", machines);
    await store.writeSnapshot(env, "flowmachinegroups", groups);
    return logSettingsOf(organizations[0]);
}

/** With MSCRM.IncludeUnpublished a flow can come back twice (published and draft layer): keep the latest. */
export function dedupeWorkflows(rows: Row[]): Row[] {
    const byId = new Map<string, Row>();
    for (const row of rows) {
        const id = String(row.workflowid).toLowerCase();
        const kept = byId.get(id);
        if (!kept || String(row.modifiedon ?? "") > String(kept.modifiedon ?? "")) byId.set(id, row);
    }
    return [...byId.values()];
}

async function pullRuns(
    config: PadlensConfig, client: DataverseClient, store: RawStore, env: string, settings: LogSettings,
    state: PullState, progress: EnvProgress, report: () => void, skipped: SkippedRun[], logs: LogFailures,
): Promise<void> {
    const since = state.watermark ? odataDate(new Date(Date.parse(state.watermark) - config.overlapMinutes * 60_000).toISOString()) : undefined;
    const query = `flowsessions?$select=${FLOWSESSION_COLUMNS.join(",")}${since ? `&$filter=modifiedon ge ${since}` : ""}&$orderby=modifiedon asc,flowsessionid asc`;
    // One cheap request for the total, so progress shows a known total and an ETA from the start. Dataverse caps
    // @odata.count at 5,000; a failure here costs only the estimate.
    const counted = await client.getJson<{ "@odata.count"?: number }>(`flowsessions?$select=flowsessionid${since ? `&$filter=modifiedon ge ${since}` : ""}&$count=true&$top=1`, {}, "flowsessions (count)")
        .catch(() => null);
    if (typeof counted?.["@odata.count"] === "number") {
        progress.runsExpected = counted["@odata.count"];
        report();
    }
    const prefix = new CommittedPrefix();
    const inFlight = new Set<Promise<void>>();
    const maxInFlight = Math.max(2, config.concurrency * 2);
    let failure: unknown;
    let stateWrite: Promise<void> | undefined;
    let stateDirty = false;

    // Coalesced: at most one state write in flight, and it always writes the newest watermark.
    const flushState = (): void => {
        if (stateWrite) {
            stateDirty = true;
            return;
        }
        stateDirty = false;
        stateWrite = store.writeState(env, { ...state })
            .catch((error: unknown) => {
                failure ??= error;
            })
            .finally(() => {
                stateWrite = undefined;
                if (stateDirty) flushState();
            });
    };
    const advance = (watermark: string | undefined): void => {
        if (!watermark || (state.watermark && watermark <= state.watermark)) return;
        state.watermark = watermark;
        flushState();
    };

    // The modifiedon of the latest listed row that had a usable one: where a row without one sits in the order.
    let lastModified = "";
    for await (const page of client.pages(query, {}, "flowsessions")) {
        for (const row of page) {
            if (failure) break;
            progress.runsListed++;
            if (isWatermark(row.modifiedon)) lastModified = row.modifiedon;
            const position = prefix.add(lastModified);
            const problem = invalidRun(row);
            if (problem) {
                // Not stored, not requested, but done with: the watermark moves past it once the runs
                // before it are committed, so one bad row neither blocks the pull nor hides a good one.
                progress.runsSkipped++;
                if (skipped.length < MAX_SKIPPED_LISTED) skipped.push({ id: displayId(row.flowsessionid), reason: problem });
                advance(prefix.commit(position));
                continue;
            }
            const task = processRun(client, store, env, settings, parseGuid(row.flowsessionid)!, row, progress, logs)
                .then(() => advance(prefix.commit(position)))
                .catch((error: unknown) => {
                    failure ??= error;
                })
                .finally(() => {
                    inFlight.delete(task);
                    report();
                });
            inFlight.add(task);
            if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
        }
        report();
        if (failure) break;
    }
    await Promise.all(inFlight);
    while (stateWrite) await stateWrite;
    if (failure) throw failure;
}

/** Per-run log failures across pulls (kept in the raw store's state.json), and the runs given up on. */
class LogFailures {
    constructor(private readonly store: RawStore, private readonly env: string, private readonly state: PullState) {}

    /** Counts one more failed pull for the run's log; true when it is now to be stored as unavailable. */
    async failed(runId: string, reason: string): Promise<boolean> {
        const failures = (this.state.logFailures ??= {});
        const count = (failures[runId]?.count ?? 0) + 1;
        if (count >= UNAVAILABLE_AFTER_PULLS) {
            delete failures[runId];
            const list = (this.state.unavailable ??= []);
            if (!list.includes(runId)) list.push(runId);
        } else failures[runId] = { count, reason, at: new Date().toISOString() };
        // Written now: the pull is about to fail on this run, and the count must survive that.
        await this.store.writeState(this.env, { ...this.state });
        return count >= UNAVAILABLE_AFTER_PULLS;
    }

    succeeded(runId: string): void {
        if (this.state.logFailures?.[runId]) delete this.state.logFailures[runId];
        if (this.state.unavailable?.includes(runId)) this.state.unavailable = this.state.unavailable.filter((id) => id !== runId);
    }

    unavailableRuns(): string[] {
        return [...(this.state.unavailable ?? [])];
    }
}

/** The server failed this log after every retry (a 5xx): the run's own problem, not the environment's. */
const serverFailed = (error: unknown): error is DataverseError => error instanceof DataverseError && error.status >= 500;

async function retryUnavailable(client: DataverseClient, store: RawStore, env: string, settings: LogSettings, progress: EnvProgress, logs: LogFailures): Promise<void> {
    for (const runId of logs.unavailableRuns()) {
        const row = await client.getJson<Row>(`${keyed("flowsessions", runId)}?$select=${FLOWSESSION_COLUMNS.join(",")}`, {}, `run ${runId}`).catch(() => null);
        if (row && parseGuid(row.flowsessionid) === runId) await processRun(client, store, env, settings, runId, row, progress, logs, true);
    }
}

/** `runId` is the row's flowsessionid, already checked to be a GUID and lowercased. */
async function processRun(
    client: DataverseClient, store: RawStore, env: string, settings: LogSettings, runId: string, row: Row, progress: EnvProgress, logs: LogFailures, force = false,
): Promise<void> {
    const stored = await store.readRun(env, runId);
    // The overlap re-lists recent runs: one already committed at this modifiedon needs nothing new.
    if (!force && stored && stored.row.modifiedon === row.modifiedon) {
        progress.runsUnchanged++;
        return;
    }
    const plan = logPlan(settings, row);
    let v1: Buffer | undefined;
    let v2: Row[] | undefined;
    let v1State: LogFetchState = "not-applicable";
    let v2State: LogFetchState = "not-applicable";
    let unavailable: string | undefined;
    const guarded = async (fetch: () => Promise<void>, which: string): Promise<void> => {
        try {
            await fetch();
        } catch (error) {
            if (!serverFailed(error)) throw error;
            const reason = `${which}: ${error.message}`;
            if (!(await logs.failed(runId, reason))) throw error;
            unavailable = `the server failed to serve it on ${UNAVAILABLE_AFTER_PULLS} pulls in a row (${reason}); padlens pull --retry-unavailable fetches it again`;
        }
    };
    if (plan.v1) {
        await guarded(async () => {
            const bytes = await client.downloadFile(`${keyed("flowsessions", runId)}/additionalcontext/$value`, `the V1 log of run ${runId}`);
            v1State = bytes && bytes.length > 0 ? "fetched" : "absent";
            if (bytes && bytes.length > 0) v1 = bytes;
        }, "V1");
        if (unavailable) v1State = "unavailable";
    }
    if (plan.v2 && !unavailable) {
        await guarded(async () => {
            const rows = await client.all(
                `${keyed("flowsessions", runId)}/flowsession_flowlog_parentobjectid?$filter=type eq ${V2_ACTION_TYPE}&$orderby=createdon asc,flowlogid asc`,
                {}, `the V2 log (flowlog) of run ${runId}`,
            );
            v2State = rows.length > 0 ? "fetched" : "absent";
            if (rows.length > 0) v2 = rows;
        }, "V2");
        if (unavailable) v2State = "unavailable";
    }
    const fetchInfo = (state: LogFetchState, extra: { bytes?: number; rows?: number }) =>
        state === "unavailable" ? { state, reason: unavailable } : state === "fetched" ? { state, ...extra } : { state };
    const run: StoredRun = {
        row,
        fetch: {
            fetchedAt: new Date().toISOString(),
            v1: fetchInfo(v1State, { bytes: v1?.length }),
            v2: fetchInfo(v2State, { rows: v2?.length }),
        },
    };
    await store.writeRun(env, runId, run, { v1, v2 });
    if (!unavailable) logs.succeeded(runId);
    progress.runsFetched++;
    if (v1) progress.v1Files++;
    if (v2) progress.v2Runs++;
}
