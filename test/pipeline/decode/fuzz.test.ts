import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBuild, type BuildSummary } from "../../../pipeline/builder/run-build.js";
import { DEFAULT_DECODE_OPTIONS } from "../../../pipeline/decode/action-record.js";
import { decodeV1 } from "../../../pipeline/decode/v1.js";
import { inspectV1, inspectV2, type InspectReport } from "../../../pipeline/decode/inspect.js";
import { unpackStored } from "../../../pipeline/decode/stored.js";
import { storedV2Rows } from "../../../pipeline/store/raw-store.js";
import { RawStore, type Row } from "../../../pipeline/store/raw-store.js";
import { queryParquet, table } from "../builder/parquet-query.js";
import { mutatedV1, mutatedV2, Rng } from "./fuzz/mutate.js";

/**
 * Thousands of mutated real-shape logs through the real build (real DuckDB) and through inspect: the build
 * never crashes, every run is either decoded or quarantined with a reason, and inspect predicts exactly
 * that for each log. `npm run test:fuzz` runs 10,000 documents; `npm test` a reduced set.
 */
const COUNT = Number(process.env.PADLENS_FUZZ_COUNT ?? 500);
const SEED = Number(process.env.PADLENS_FUZZ_SEED ?? 20261203);
const OPTIONS = { ...DEFAULT_DECODE_OPTIONS, includeInputsOutputs: true };
const guid = (i: number) => `f0220000-0000-4000-8000-${String(i).padStart(12, "0")}`;

describe(`fuzz: ${COUNT} mutated V1/V2 logs (seed ${SEED})`, () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "padlens-fuzz-"));
    const store = new RawStore(out);
    const source = new Map<string, "V1" | "V2">();
    let summary: BuildSummary;
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    beforeAll(async () => {
        const t0 = Date.now();
        const rng = new Rng(SEED);
        for (let i = 0; i < COUNT; i++) {
            const id = guid(i);
            const v1 = rng.chance(0.5);
            source.set(id, v1 ? "V1" : "V2");
            const row: Row = { flowsessionid: id, createdon: "2026-11-05T07:59:00Z", startedon: "2026-11-05T08:00:00Z", completedon: "2026-11-05T09:00:00Z", statuscode: 4 };
            const fetch = {
                fetchedAt: "2026-11-05T10:00:00Z",
                v1: { state: v1 ? ("fetched" as const) : ("not-applicable" as const) },
                v2: { state: v1 ? ("not-applicable" as const) : ("fetched" as const) },
            };
            await store.writeRun("fuzz", id, { row, fetch }, v1 ? { v1: mutatedV1(rng) } : { v2: mutatedV2(rng, id) as Row[] });
        }
        const written = Date.now();
        summary = await runBuild({ out, decode: OPTIONS, duckdb: { memoryLimit: "1GB", threads: 2 } });
        if (process.env.PADLENS_FUZZ_TIMING) console.log(`store ${written - t0} ms, build ${Date.now() - written} ms`);
    }, 900_000);

    it("the build completes with one runs row per log, each parsed or quarantined with a reason", async () => {
        expect(summary.runs).toBe(COUNT);
        const states = await queryParquet<{ log_state: string; n: number }>(`SELECT log_state, count(*)::INTEGER AS n FROM ${table(out, "runs")} GROUP BY ALL ORDER BY ALL`);
        expect(states.map((s) => s.log_state).every((s) => s === "parsed" || s === "quarantined")).toBe(true);
        const quarantined = await queryParquet<{ reason: string | null }>(`SELECT reason FROM ${table(out, "quarantine")}`);
        expect(quarantined.length).toBe(summary.quarantined);
        expect(quarantined.every((q) => typeof q.reason === "string" && q.reason.length > 0)).toBe(true);
        // The mutations leave most logs readable: per-action tolerance keeps them, with warnings.
        expect(states.find((s) => s.log_state === "parsed")!.n).toBeGreaterThan(COUNT / 2);
        expect(summary.runsWithWarnings).toBeGreaterThan(0);
    });

    it("inspect never throws, and says exactly what the build did with each log", async () => {
        const runs = await queryParquet<{ run_id: string; log_state: string; action_count: number; decode_warnings: number }>(
            `SELECT run_id, log_state, action_count, decode_warnings FROM ${table(out, "runs")}`,
        );
        const reasons = new Map((await queryParquet<{ run_id: string; reason: string }>(`SELECT run_id, reason FROM ${table(out, "quarantine")}`)).map((q) => [q.run_id, q.reason]));
        expect(runs).toHaveLength(COUNT);
        for (const run of runs) {
            const v1 = source.get(run.run_id) === "V1";
            const file = v1 ? store.v1Path("fuzz", run.run_id) : store.v2Path("fuzz", run.run_id);
            const unpacked = unpackStored(readFileSync(file), DEFAULT_DECODE_OPTIONS.maxLogBytes);
            if (!unpacked.ok) throw new Error(unpacked.reason);
            const report: InspectReport = v1 ? inspectV1(unpacked.bytes, OPTIONS) : inspectV2(storedV2Rows(unpacked.bytes), unpacked.bytes.length, OPTIONS);
            if (report.result.ok) {
                expect([run.run_id, run.log_state, run.action_count, run.decode_warnings]).toEqual([run.run_id, "parsed", report.result.actions, report.result.warnings]);
            } else {
                expect([run.run_id, run.log_state, reasons.get(run.run_id)]).toEqual([run.run_id, "quarantined", report.result.reason]);
            }
        }
    }, 300_000);

    it("reading a log one action at a time (how large logs are read) gives exactly what parsing it whole gives", () => {
        let compared = 0;
        for (const [id, src] of source) {
            if (src !== "V1") continue;
            const unpacked = unpackStored(readFileSync(store.v1Path("fuzz", id)), OPTIONS.maxLogBytes);
            if (!unpacked.ok) throw new Error(unpacked.reason);
            expect([id, decodeV1(unpacked.bytes, { ...OPTIONS, streamAboveBytes: 0 })]).toEqual([id, decodeV1(unpacked.bytes, OPTIONS)]);
            compared++;
        }
        expect(compared).toBeGreaterThan(COUNT / 3);
    });
});
