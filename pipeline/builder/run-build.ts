import { DuckDBInstance } from "@duckdb/node-api";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_DECODE_OPTIONS, type ActionRecord, type DecodeOptions, type DecodeResult, type LogSource } from "../decode/action-record.js";
import { decodeV1 } from "../decode/v1.js";
import { decodeV2 } from "../decode/v2.js";
import { unpackStored } from "../decode/stored.js";
import { commitTables, recoverBuild } from "../load/commit.js";
import { renameRetrying, rmRetrying } from "../util/fs-retry.js";
import { acquireBuildLock, type LockOptions } from "./build-lock.js";
import { openDuckDb, sqlPath, type DuckDbLimits } from "../load/duckdb.js";
import { Loader, type ParquetCompression } from "../load/loader.js";
import { environmentRow, flowRow, id, int, machineRows, runRow, str, ts } from "../load/rows.js";
import { deletedRuns } from "../store/deletions.js";
import { isFinished } from "../pull/log-plan.js";
import { TABLES, type TableName } from "../load/schema.js";
import { Spool } from "../load/spool.js";
import { RawStore, storedV2Rows, type Row } from "../store/raw-store.js";

export interface BuildOptions {
    /** Output folder: the raw store is read from <out>/raw, tables are written to <out>/<table>. */
    out: string;
    /** Environment URLs by name (from config), for the environments table; the raw store does not keep them. */
    environmentUrls?: Record<string, string>;
    /** IANA time zone per environment (config timeZone); else what the last pull recorded, else UTC. */
    timeZones?: Record<string, string>;
    duckdb?: DuckDbLimits;
    /** How logs are decoded (inputs/outputs, redaction, size ceiling): the config's `logs`. */
    decode?: DecodeOptions;
    /** Spool file size bound in bytes (default 32 MB); smaller means less memory per DuckDB batch. */
    spoolBytes?: number;
    onProgress?: (p: BuildProgress) => void;
    /** Parquet compression of every table (default zstd; snappy for readers that reject ZSTD). */
    compression?: ParquetCompression;
    /** The output-folder lock: by default a build waits for a pull or build that holds the folder. */
    lock?: LockOptions;
    /** Clock for first_seen of new quarantine rows (tests pin it). */
    now?: () => Date;
}

export interface BuildProgress {
    phase: "decode" | "load" | "write" | "commit";
    env?: string;
    runsDone: number;
    runsTotal: number;
}

export interface NewQuarantine {
    env: string;
    runId: string;
    source: LogSource;
    reason: string;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface EnvSummary {
    env: string;
    runs: number;
    actions: number;
    quarantined: number;
    /** Runs decoded with at least one unreadable field (kept, with that field null). */
    runsWithWarnings: number;
}

export interface BuildSummary {
    out: string;
    environments: EnvSummary[];
    runs: number;
    actions: number;
    quarantined: number;
    /** Logs this build quarantined for the first time (not in the previous quarantine table), by env, run, source. */
    newQuarantines: NewQuarantine[];
    runsWithWarnings: number;
    recoveredInterruptedCommit: boolean;
    seconds: number;
    actionsPerSecond: number;
}

interface Quarantined {
    env: string;
    run_id: string;
    log_source: LogSource;
    reason: string;
    raw_path: string;
    raw_bytes: number;
}

/** An action as a spool object; nulls are left out (JSON.stringify drops undefined), read_json fills them back. */
const toColumns = (a: ActionRecord) => ({
    seq: a.seq,
    parent_seq: a.parentSeq ?? undefined,
    depth: a.depth,
    is_container: a.isContainer,
    action_index: a.actionIndex ?? undefined,
    subflow: a.subflow,
    action_name: a.actionName ?? undefined,
    system_action_name: a.systemActionName ?? undefined,
    module: a.module ?? undefined,
    inside_error_handling: a.insideErrorHandling ?? undefined,
    started_on: a.startedOn ?? undefined,
    ended_on: a.endedOn ?? undefined,
    duration_ms: a.durationMs ?? undefined,
    status: a.status ?? undefined,
    level: a.level ?? undefined,
    error_code: a.errorCode ?? undefined,
    error_message: a.errorMessage ?? undefined,
    error_correlation_id: a.errorCorrelationId ?? undefined,
    inputs_json: a.inputsJson ?? undefined,
    outputs_json: a.outputsJson ?? undefined,
    decode_warning: a.warning ?? undefined,
});

/**
 * Actions per spool line: a run's actions are split over several lines, so one huge run (80,000 actions)
 * never becomes one huge JSON object that DuckDB must hold whole (read_json's per-object memory).
 */
const ACTIONS_PER_LINE = 2000;

/**
 * Rebuilds every table from the raw store (a full rebuild is cheap and makes re-runs trivially
 * idempotent): decode logs in JS, spool normalised per-run lines in bounded files, let DuckDB unnest,
 * aggregate and write Parquet into a staging folder, then commit by rename (pipeline/load/commit.ts).
 * Undecodable logs are quarantined, never thrown.
 */
export async function runBuild(options: BuildOptions): Promise<BuildSummary> {
    const started = Date.now();
    const out = path.resolve(options.out);
    const now = options.now ?? (() => new Date());
    await mkdir(out, { recursive: true });
    const release = await acquireBuildLock(out, { command: "build", wait: true, ...options.lock });
    try {
        return await buildLocked(out, options, started, now);
    } finally {
        await release();
    }
}

async function buildLocked(out: string, options: BuildOptions, started: number, now: () => Date): Promise<BuildSummary> {
    const recovered = await recoverBuild(out);
    const store = new RawStore(out);
    const stagingName = `.staging-${randomBytes(6).toString("hex")}`;
    const staging = path.join(out, stagingName);
    const tables = path.join(staging, "tables");
    const spoolDir = path.join(staging, "spool");
    await mkdir(spoolDir, { recursive: true });

    const previousFirstSeen = await readFirstSeen(out);
    const decodeOptions = options.decode ?? DEFAULT_DECODE_OPTIONS;
    // In-memory database: about twice as fast to load as a database file here, and it still spills to
    // temp_directory beyond memory_limit, so memory stays bounded.
    const db = await openDuckDb(":memory:", path.join(staging, "duckdb-tmp"), options.duckdb);
    try {
        const loader = new Loader(db.con, options.compression);
        await loader.createTables();
        const flat = new Map<TableName, Spool>();
        const spoolFor = (t: TableName) => {
            let s = flat.get(t);
            if (!s) flat.set(t, (s = new Spool(spoolDir, t, options.spoolBytes)));
            return s;
        };
        // DuckDB loads one batch in its own threads while JS decodes the next; at most one load is in flight.
        let pending: Promise<void> = Promise.resolve();
        const enqueue = async (load: () => Promise<void>, file?: string) => {
            await pending;
            pending = loadAndDrop(load, file);
            pending.catch(() => undefined); // awaited (and rethrown) by the next enqueue or the final flush
        };
        const writeRow = async (t: TableName, row: Row) => {
            const done = spoolFor(t).write(row);
            if (done) await enqueue(() => loader.loadRows(t, done.file, done.longest), done.file);
        };
        const actionSpool = new Spool(spoolDir, "actions", options.spoolBytes ?? 32 * 1024 * 1024);
        const quarantined: Quarantined[] = [];
        const summaries: EnvSummary[] = [];

        const envs = await store.listEnvironments();
        for (const env of envs) {
            const [orgs, workflows, machines, groups, state] = await Promise.all([
                store.readSnapshot(env, "organizations"),
                store.readSnapshot(env, "workflows"),
                store.readSnapshot(env, "flowmachines"),
                store.readSnapshot(env, "flowmachinegroups"),
                store.readState(env),
            ]);
            const org = orgs[0];
            const timeZone = options.timeZones?.[env] ?? state.timeZone ?? "UTC";
            await writeRow("environments", { ...environmentRow(env, options.environmentUrls?.[env] ?? null, org, state.lastPullCompletedAt), time_zone: timeZone });
            const seenFlows = new Set<string | null>();
            for (const w of workflows) {
                const r = flowRow(env, w);
                if (seenFlows.has(r.flow_id as string)) continue; // drafts and published rows share a workflowid
                seenFlows.add(r.flow_id as string);
                await writeRow("flows", r);
            }
            for (const m of machineRows(env, machines, groups)) await writeRow("machines", m);
            const flowName = new Map(workflows.map((w) => [id(w.workflowid), str(w.name)]));
            const machineName = new Map(machines.map((m) => [id(m.flowmachineid), str(m.name)]));
            const logStatus = int(org?.desktopflowrunactionlogsstatus);

            const runIds = await store.listRunIds(env);
            const deleted = await deletedRuns(store, env);
            const summary: EnvSummary = { env, runs: 0, actions: 0, quarantined: 0, runsWithWarnings: 0 };
            for (const [i, runId] of runIds.entries()) {
                const files = store.readRunFiles(env, runId);
                const { stored } = files;
                if (!stored) continue;
                const run = runRow(env, stored.row, flowName, machineName);
                run.deleted_in_source_on = ts(deleted.get(runId) ?? null);
                let actions: ActionRecord[] | null = null;
                let source: LogSource | null = null;
                let failedSource = false;
                const quarantine = async (src: LogSource, reason: string, raw: Uint8Array, ext: string) => {
                    failedSource = true;
                    const rel = path.posix.join("quarantine", env, `${runId}.${ext}`);
                    await mkdir(path.join(tables, "quarantine", env), { recursive: true, mode: 0o700 });
                    // Owner-only: a log can hold action inputs (customer data) even when inputs are not stored.
                    await writeFile(path.join(tables, ...rel.split("/")), raw, { mode: 0o600 });
                    quarantined.push({ env, run_id: run.run_id as string, log_source: src, reason, raw_path: rel, raw_bytes: raw.byteLength });
                    summary.quarantined++;
                };
                let decoded: Extract<DecodeResult, { ok: true }> | null = null;
                if (stored.fetch.v1.state === "fetched" && files.v1Gz) {
                    const unpacked = unpackStored(files.v1Gz, decodeOptions.maxLogBytes);
                    if (unpacked.ok) {
                        // Not kept while decoding (a huge log's bytes would double its peak): unpacked again to quarantine.
                        const r = decodeV1(unpacked.bytes, decodeOptions);
                        if (r.ok) [decoded, source] = [r, "V1"];
                        else await quarantine("V1", r.reason, unpacked.bytes, "v1.bin");
                    } else await quarantine("V1", unpacked.reason, files.v1Gz, "v1.bin.gz");
                }
                if (decoded === null && stored.fetch.v2.state === "fetched") {
                    const { result, raw } = decodeStoredV2(files.v2Gz, decodeOptions);
                    if (result?.ok) [decoded, source] = [result, "V2"];
                    else if (result && !result.ok && raw) await quarantine("V2", result.reason, raw, "v2.jsonl");
                }
                actions = decoded?.actions ?? null;
                let failed = 0, handled = 0;
                for (const a of actions ?? []) {
                    if (a.status === null || a.status.toLowerCase() !== "failed") continue;
                    if (a.insideErrorHandling === true) handled++;
                    else failed++;
                }
                run.log_source = source ?? "none";
                run.log_state = actions ? "parsed"
                    : failedSource ? "quarantined"
                    : stored.fetch.v1.state === "unavailable" || stored.fetch.v2.state === "unavailable" ? "unavailable"
                    // Still going (or paused, waiting): its log comes when it ends, so pending, not missing.
                    : !isFinished(stored.row) ? "pending"
                    : logStatus === 2 || (logStatus === 1 && run.status_code === 4) ? "disabled" : "missing";
                run.action_count = actions?.length ?? 0;
                run.failed_action_count = failed;
                run.handled_failure_count = handled;
                run.decode_warnings = decoded?.warnings ?? 0;
                run.decode_warning = decoded?.firstWarning ?? null;
                if (decoded?.warnings) summary.runsWithWarnings++;
                await writeRow("runs", run);
                if (actions && actions.length) {
                    for (let from = 0; from < actions.length; from += ACTIONS_PER_LINE) {
                        const done = actionSpool.write({
                            env, month: run.month, run_id: run.run_id, flow_id: run.flow_id, machine_id: run.machine_id, log_source: source,
                            actions: actions.slice(from, from + ACTIONS_PER_LINE).map(toColumns),
                        });
                        if (done) {
                            options.onProgress?.({ phase: "load", env, runsDone: i + 1, runsTotal: runIds.length });
                            await enqueue(() => loader.loadActions(done.file, done.longest), done.file);
                        }
                    }
                }
                summary.runs++;
                summary.actions += actions?.length ?? 0;
                if (i % 200 === 0) options.onProgress?.({ phase: "decode", env, runsDone: i + 1, runsTotal: runIds.length });
            }
            summaries.push(summary);
            const envActions = actionSpool.finish();
            if (envActions) await enqueue(() => loader.loadActions(envActions.file, envActions.longest), envActions.file);
            // The environment's runs must be in the database for its local columns and run labels.
            const envRuns = spoolFor("runs").finish();
            if (envRuns) await enqueue(() => loader.loadRows("runs", envRuns.file, envRuns.longest), envRuns.file);
            await enqueue(() => loader.writeEnvironment(tables, env, timeZone));
        }

        const firstSeen = now().getTime();
        const newQuarantines: NewQuarantine[] = [];
        for (const q of quarantined) {
            const earlier = previousFirstSeen.get(`${q.env}/${q.run_id}/${q.log_source}`);
            if (earlier === undefined) newQuarantines.push({ env: q.env, runId: q.run_id, source: q.log_source, reason: q.reason });
            await writeRow("quarantine", { ...q, first_seen: earlier ?? firstSeen });
        }
        for (const [t, s] of flat) {
            const done = s.finish();
            if (done) await enqueue(() => loader.loadRows(t, done.file, done.longest), done.file);
        }
        await pending;

        options.onProgress?.({ phase: "write", runsDone: 0, runsTotal: 0 });
        await loader.writeParquet(tables);
        db.close();

        options.onProgress?.({ phase: "commit", runsDone: 0, runsTotal: 0 });
        if (process.platform !== "win32") await ownerOnly(tables);
        // The tables move up one level so the commit renames <staging>/<table> -> <out>/<table>.
        await moveTablesUp(tables, staging);
        await commitTables(out, stagingName, TABLES.map((t) => t.name));

        const runs = summaries.reduce((n, s) => n + s.runs, 0);
        const actionsTotal = summaries.reduce((n, s) => n + s.actions, 0);
        const seconds = (Date.now() - started) / 1000;
        return {
            out,
            environments: summaries,
            runs,
            actions: actionsTotal,
            quarantined: quarantined.length,
            newQuarantines: newQuarantines.sort((a, b) => cmp(a.env, b.env) || cmp(a.runId, b.runId) || cmp(a.source, b.source)),
            runsWithWarnings: summaries.reduce((n, s) => n + s.runsWithWarnings, 0),
            recoveredInterruptedCommit: recovered,
            seconds,
            actionsPerSecond: seconds > 0 ? Math.round(actionsTotal / seconds) : 0,
        };
    } catch (e) {
        try {
            db.close();
        } catch {
            // already closed
        }
        await rmRetrying(staging, { recursive: true, force: true });
        throw e;
    }
}

/**
 * The published tables readable by their owner only on POSIX, like the raw store (DuckDB writes with the
 * umask, usually world-readable); share them on purpose (a group, an ACL, a synced folder), not by default.
 */
async function ownerOnly(dir: string): Promise<void> {
    for (const e of await readdir(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
            await chmod(p, 0o700);
            await ownerOnly(p);
        } else await chmod(p, 0o600);
    }
}

async function loadAndDrop(load: () => Promise<void>, file?: string): Promise<void> {
    await load();
    if (file) await rmRetrying(file, { force: true });
}

/** Same parsing as RawStore.readV2, on bytes already read ahead. */
function decodeStoredV2(gz: Buffer | null, options: DecodeOptions): { result: DecodeResult | null; raw: Uint8Array | null } {
    if (!gz) return { result: null, raw: null };
    try {
        const unpacked = unpackStored(gz, options.maxLogBytes);
        if (!unpacked.ok) return { result: { ok: false, encoding: "flowlog", reason: unpacked.reason }, raw: gz };
        const rows = storedV2Rows(unpacked.bytes);
        const result = decodeV2(rows, options);
        // The rows as bytes only matter when quarantined; re-serialising every parsed log cost ~5% of a build.
        return { result, raw: result.ok ? null : Buffer.from(rows.map((r) => JSON.stringify(r)).join("\n")) };
    } catch (e) {
        return { result: { ok: false, encoding: "flowlog", reason: `unreadable flowlog rows: ${(e as Error).message}` }, raw: gz };
    }
}

async function moveTablesUp(tables: string, staging: string): Promise<void> {
    for (const t of TABLES) await renameRetrying(path.join(tables, t.name), path.join(staging, t.name));
}

/** first_seen of logs quarantined by earlier builds, so it stays the first time, not the latest. */
async function readFirstSeen(out: string): Promise<Map<string, number>> {
    const file = path.join(out, "quarantine", "data.parquet");
    const map = new Map<string, number>();
    if (!(await stat(file).catch(() => null))) return map;
    const inst = await DuckDBInstance.create(":memory:", { threads: "1", memory_limit: "256MB" });
    const con = await inst.connect();
    try {
        const r = await con.runAndReadAll(`SELECT env, run_id, log_source, epoch_ms(first_seen)::BIGINT FROM read_parquet(${sqlPath(file)})`);
        for (const [env, run, src, ms] of r.getRows()) map.set(`${String(env)}/${String(run)}/${String(src)}`, Number(ms));
    } catch {
        // an unreadable old table only loses first_seen history
    } finally {
        con.closeSync();
        inst.closeSync();
    }
    return map;
}
