import { rm } from "node:fs/promises";
import path from "node:path";
import type { DecodeOptions } from "../decode/action-record.js";
import type { LakeUnit } from "../lake/manifest.js";
import type { RunKeys } from "../load/action-appender.js";
import { logState } from "../load/action-columns.js";
import type { EncodedActions } from "../load/action-encoding.js";
import { runRow, ts } from "../load/rows.js";
import type { TableName } from "../load/schema.js";
import { Spool } from "../load/spool.js";
import { isFinished } from "../pull/log-plan.js";
import { runDay, type RunReader } from "../store/raw-store.js";
import { rmSoonRetrying } from "../util/fs-retry.js";
import type { DayBatch } from "./plan.js";
import { publishedPath, publishFile } from "./publish.js";
import { DAY_MS, decodeForLoad } from "./decode-run.js";
import type { BatchDatabase } from "./batch-database.js";
import type { DuckQueue } from "./duck-queue.js";
import { quarantineCopy, removeFixedQuarantineCopies } from "./quarantine-copies.js";
import type { NewQuarantine } from "./run-build.js";

/** Decoded actions handed to DuckDB at a time: while it appends them, the next runs decode. */
const ACTIONS_PER_APPEND = 20_000;
/** What a runs or quarantine spool file counts for in the queue's backlog (build-batch's unit is a decoded action). */
const SPOOL_WEIGHT = 1_000;

/**
 * How long the decode loop runs before it lets the event loop through. Every step of a DuckDB task, and of the
 * next environment's plan, waits for it: the 1% rebuild at 4x was 6-8% faster with 2 ms than with 10 ms (two
 * sets of 10 alternated builds), and the full build no slower.
 */
const YIELD_EVERY_MS = 2;
/** yyyy-mm-dd of a UTC day number (days since 1970-01-01), as DuckDB's strftime(started_on, '%Y-%m-%d') in UTC. */
const utcDay = (n: number): string => new Date(n * DAY_MS).toISOString().slice(0, 10);

interface UnitCounts {
    runs: number;
    actions: number;
    quarantined: number;
    runsWithWarnings: number;
    /** UTC day numbers its actions started in. */
    hourDays: Set<number>;
}

export interface BatchResult {
    /** The rewritten units (days) with their published files; inputs are filled in by the caller. */
    units: Map<string, Omit<LakeUnit, "inputs">>;
    newQuarantines: NewQuarantine[];
}

/**
 * One batch of an environment's rewritten days (whole days of one month, up to runsPerBatch runs): decode
 * their runs in JS, spool normalised lines in
 * bounded files that DuckDB loads while the next runs decode, then write one file per day and table and
 * move them into the lake under this build's generation. The database holds one batch at a time.
 */
export async function buildBatch(c: {
    out: string;
    env: string;
    /** The environment's runs, loose or packed (opened once per build). */
    reader: RunReader;
    /** The database the batch is loaded into (closed once the batch is written). */
    duck: BatchDatabase;
    work: string;
    generation: string;
    batch: DayBatch;
    /** The environment's last batch: its database stays open for action_hourly. */
    last?: boolean;
    decode: DecodeOptions;
    timeZone: string;
    logStatus: number | null;
    flowName: Map<string | null, string | null>;
    machineName: Map<string | null, string | null>;
    /** When each run deleted in source was deleted. */
    deleted: Map<string, string>;
    spoolBytes?: number;
    firstSeenNow: number;
    /** first_seen of logs the replaced days had quarantined (by `<runId>/<source>`): it stays the first time, not the latest. */
    firstSeen: Map<string, number>;
    onRuns: (n: number) => void;
    /** The build's DuckDB queue: this batch's loads and writes run there while JS decodes the next batch. */
    queue: DuckQueue;
    /** The units of the last committed manifest: where the batch's kept runs' rows are copied from. */
    previousUnits: Record<string, LakeUnit>;
}): Promise<{ written: Promise<BatchResult> }> {
    const { env, duck } = c;
    // One folder per batch (a month can be several batches): nothing of an earlier batch is listed again.
    const batchName = [...c.batch.days].sort()[0] ?? c.batch.month;
    const spoolDir = path.join(c.work, "spool", batchName);
    const firstSeen = c.firstSeen;
    const counts = new Map<string, UnitCounts>();
    const count = (day: string) => {
        let k = counts.get(day);
        if (!k) counts.set(day, (k = { runs: 0, actions: 0, quarantined: 0, runsWithWarnings: 0, hourDays: new Set() }));
        return k;
    };
    const newQuarantines: NewQuarantine[] = [];
    const quarantinedRuns = new Set<string>();
    const decodedRuns: string[] = [];

    const enqueue = (load: () => Promise<void>, file: string) => c.queue.push(async () => {
        await load();
        await rmSoonRetrying(file, { force: true });
    }, SPOOL_WEIGHT);
    const flat = new Map<TableName, Spool>();
    const writeRow = async (t: "runs" | "quarantine", row: Record<string, unknown>) => {
        let s = flat.get(t);
        if (!s) flat.set(t, (s = new Spool(spoolDir, t, c.spoolBytes)));
        const done = s.write(row);
        if (done) await enqueue(async () => (await duck.loader()).loadRows(t, done.file, done.longest), done.file);
    };
    // Decoded actions wait here, encoded (~100 bytes an action), until ACTIONS_PER_APPEND are gathered for one queue task.
    let pending: Array<[RunKeys, EncodedActions]> = [];
    let pendingActions = 0;
    const appendPending = async () => {
        if (pending.length === 0) return;
        const runs = pending;
        const actions = pendingActions;
        pending = [];
        pendingActions = 0;
        await c.queue.push(async () => {
            const loader = await duck.loader();
            for (const [keys, encoded] of runs) await loader.appendActions(keys, encoded);
        }, actions);
    };

    // Rows of the runs that did not change, copied from their day's current files while the others decode.
    const copied = [...c.batch.kept].map(([day, runIds]) => {
        const files = Object.fromEntries(Object.entries(c.previousUnits[day]?.files ?? {}).map(([t, fs]) => [t, fs.map((f) => publishedPath(c.out, f))]));
        const r = c.queue.run(async () => ({ day, ...(await (await duck.loader()).copyUnitRows(env, c.batch.month, day, runIds, files)) }));
        r.catch(() => undefined); // awaited when the batch is written
        return r;
    });

    // Progress after the first run (so a slow start shows at once), then every 200.
    let sinceProgress = 0;
    let yielded = performance.now();
    for (const [i, runId] of c.batch.runIds.entries()) {
        // Decoding never waits on its own, so DuckDB's finished tasks would not hand it the next one (their
        // callbacks need the event loop) until the decode blocked on a full queue: DuckDB sat idle meanwhile.
        if (performance.now() - yielded > YIELD_EVERY_MS) {
            await new Promise(setImmediate);
            yielded = performance.now();
        }
        const files = c.reader.read(runId);
        const stored = files.stored;
        if (++sinceProgress === 200 || i === 0) {
            c.onRuns(sinceProgress);
            sinceProgress = 0;
        }
        if (!stored) continue;
        const day = runDay(stored.row);
        // Re-pulled since the plan with another created_on (Dataverse does not do this): next build's.
        if (!c.batch.days.has(day)) continue;
        decodedRuns.push(runId);
        const run = runRow(env, stored.row, c.flowName, c.machineName);
        run.unit = day;
        run.deleted_in_source_on = ts(c.deleted.get(runId) ?? null);
        const d = decodeForLoad(files, c.decode);
        const k = count(day);
        for (const u of d.undecodable) {
            const raw_path = await quarantineCopy(c.out, env, runId, u.ext, u.raw);
            const key = `${runId}/${u.source}`;
            const earlier = firstSeen.get(key);
            if (earlier === undefined) newQuarantines.push({ env, runId, source: u.source, reason: u.reason });
            quarantinedRuns.add(runId);
            await writeRow("quarantine", {
                env, month: run.month, unit: day, run_id: run.run_id, log_source: u.source, reason: u.reason, raw_path, raw_bytes: u.raw.byteLength,
                first_seen: earlier ?? c.firstSeenNow,
            });
            k.quarantined++;
        }
        run.log_source = d.source ?? "none";
        run.log_state = logState({
            parsed: d.parsed,
            quarantined: d.undecodable.length > 0,
            unavailable: stored.fetch.v1.state === "unavailable" || stored.fetch.v2.state === "unavailable",
            finished: isFinished(stored.row),
            logStatus: c.logStatus,
            statusCode: run.status_code as number | null,
        });
        run.action_count = d.actionCount;
        run.failed_action_count = d.failed;
        run.handled_failure_count = d.handled;
        run.decode_warnings = d.warnings;
        run.decode_warning = d.firstWarning;
        if (d.warnings) k.runsWithWarnings++;
        k.runs++;
        k.actions += d.actionCount;
        for (const n of d.startDays) k.hourDays.add(n);
        await writeRow("runs", run);
        if (d.encoded) {
            pending.push([{ unit: day, run_id: run.run_id as string, flow_id: run.flow_id as string | null, machine_id: run.machine_id as string | null, log_source: d.source }, d.encoded]);
            pendingActions += d.encoded.count;
            if (pendingActions >= ACTIONS_PER_APPEND) await appendPending();
        }
    }
    c.onRuns(sinceProgress);
    await appendPending();
    for (const [t, s] of flat) {
        const done = s.finish();
        if (done) await enqueue(async () => (await duck.loader()).loadRows(t, done.file, done.longest), done.file);
    }
    const written = c.queue.run(async () => {
        await rm(spoolDir, { recursive: true, force: true });
        for (const k of await Promise.all(copied)) {
            const unit = count(k.day);
            unit.runs += k.runs;
            unit.actions += k.actions;
            unit.quarantined += k.quarantined;
            unit.runsWithWarnings += k.runsWithWarnings;
            for (const d of k.hourDays) unit.hourDays.add(d);
        }
        const r = await writeBatch({ ...c, month: c.batch.month }, path.join(c.work, "units", batchName), counts);
        // Copies of logs quarantined before in these days and decodable now (a new decoder, a re-pull).
        await removeFixedQuarantineCopies(c.out, env, decodedRuns, quarantinedRuns);
        return { ...r, newQuarantines };
    });
    return { written };
}

/** Writes the loaded batch as one file per day and table, moves them into the lake, and empties the database. */
async function writeBatch(
    c: { out: string; env: string; month: string; duck: BatchDatabase; generation: string; timeZone: string; last?: boolean },
    unitDir: string,
    counts: Map<string, UnitCounts>,
): Promise<Omit<BatchResult, "newQuarantines">> {
    const units = new Map<string, Omit<LakeUnit, "inputs">>();
    for (const [day, { hourDays, ...k }] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        units.set(day, { generation: c.generation, ...k, hourDays: [...hourDays].sort((a, b) => a - b).map(utcDay), files: {} });
    }
    const loaded = { runs: 0, actions: 0, quarantine: 0 };
    for (const k of counts.values()) {
        loaded.runs += k.runs;
        loaded.actions += k.actions;
        loaded.quarantine += k.quarantined;
    }
    const tables = (["runs", "actions", "quarantine"] as const).map((t) => [t, loaded[t]] as const);
    const written = await (await c.duck.loader()).writeUnitTables(unitDir, tables, c.timeZone, { env: c.env, month: c.month });
    for (const [table, byDay] of written) {
        for (const [day, files] of byDay) {
            const unit = units.get(day);
            if (!unit) throw new Error(`${table} ${c.env} ${day}: rows for a day with no runs`);
            const published: string[] = [];
            // One file per day as a rule; DuckDB may split a very large day, and each part gets its own name.
            for (const [i, f] of files.entries()) published.push(await publishFile(c.out, f, table, c.env, day, files.length === 1 ? c.generation : `${c.generation}-${i}`));
            unit.files[table] = published;
        }
    }
    await c.duck.endBatch(loaded.actions, c.last ?? false);
    return { units };
}
