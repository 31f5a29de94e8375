import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvProgress } from "../../pipeline/pull/pull-environment.js";
import { createProgressDisplay, etaSeconds, formatDuration, progressLine } from "../../pipeline/ui/progress.js";
import { Terminal } from "../../pipeline/ui/terminal.js";
import { startSimulator, type SimulatorHandle } from "../../simulator/server/index.js";
import { caDir, configJson, makeDataset } from "../pipeline/pull/fixture.js";
import { cli } from "./helpers.js";

const LONG = "operations-emea-production"; // 26 characters: longer than the 12 the columns used to assume
let sim: SimulatorHandle;
let tmp: string;

beforeAll(async () => {
    sim = await startSimulator({ caDir: caDir(), dataset: makeDataset([{ name: "alpha", runs: 40, logVersion: 2 }, { name: LONG, runs: 40, logVersion: 0 }]) });
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-progress-"));
});
afterAll(async () => {
    await sim?.close();
    await rm(tmp, { recursive: true, force: true });
});

describe("progress when stderr is not a terminal (a scheduled task, CI)", () => {
    it("prints plain lines every few seconds per environment with an ETA, aligned whatever the name length, then the build's phases with counts", async () => {
        const file = path.join(tmp, "progress.json");
        await writeFile(file, JSON.stringify(configJson(sim, path.join(tmp, "out"), { concurrency: 2 })));
        sim.setLatency(40);
        let r;
        try {
            r = await cli(["pull", "--config", file], { env: { PADLENS_PROGRESS_SECONDS: "0.3" } });
        } finally {
            sim.setLatency(0);
        }
        expect(r.code, r.stderr).toBe(0);
        const lines = r.stderr.split("\n");
        const envLines = lines.filter((l) => l.startsWith("alpha ") || l.startsWith(`${LONG} `));
        // The phase column starts at the same place for both names.
        for (const l of envLines) expect(l.slice(LONG.length + 1, LONG.length + 1 + 9).trim(), l).toMatch(/^(snapshots|runs|done)$/);
        const running = envLines.filter((l) => / runs {6}\d+\/\d+ runs \(\d+ fetched, \d+ unchanged\), \d+ logs, .*, ETA (\d+:\d\d|\?)$/.test(l));
        // Several lines while the runs were fetched (one every 0.3 s), for both environments, and an end line each.
        expect(running.filter((l) => l.startsWith("alpha ")).length, r.stderr).toBeGreaterThanOrEqual(2);
        expect(running.filter((l) => l.startsWith(LONG)).length, r.stderr).toBeGreaterThanOrEqual(2);
        expect(running.some((l) => /ETA \d+:\d\d$/.test(l))).toBe(true);
        expect(envLines.filter((l) => / done +40\/40 runs/.test(l))).toHaveLength(2);

        expect(lines).toContain("build: decoding logs alpha 1/40 runs, ETA ?");
        expect(lines.some((l) => l.startsWith(`build: decoding logs ${LONG} `))).toBe(true);
        expect(lines).toContain("build: finding what changed in alpha");
        expect(lines).toContain("build: writing Parquet tables alpha 40/40 runs");
        expect(lines).toContain(`build: committing ${LONG} 40/40 runs`);
        // The summary table keeps its columns with the long name too.
        const table = r.stdout.split("\n").filter((l) => (l.startsWith("alpha ") || l.startsWith(`${LONG} `)) && l.includes(" ok "));
        expect(table).toHaveLength(2);
        expect(new Set(table.map((l) => l.search(/ ok /))).size).toBe(1);
    });
});

/** A stream that says it is a terminal and keeps what is drawn on it. */
function fakeTty(): NodeJS.WriteStream & { text: () => string } {
    let text = "";
    const stream = new Writable({
        write(chunk: Buffer | string, _enc, done) {
            text += chunk.toString();
            done();
        },
    }) as unknown as NodeJS.WriteStream & { text: () => string };
    Object.assign(stream, {
        isTTY: true, columns: 220, rows: 40, text: () => text,
        cursorTo: (x: number, y?: number | (() => void), cb?: () => void) => { text += `\x1b[${typeof y === "number" ? y + 1 : ""};${x + 1}H`; (typeof y === "function" ? y : cb)?.(); return true; },
        moveCursor: (_dx: number, _dy: number, cb?: () => void) => { cb?.(); return true; },
        clearLine: (_dir: number, cb?: () => void) => { cb?.(); return true; },
        clearScreenDown: (cb?: () => void) => { cb?.(); return true; },
        getWindowSize: () => [220, 40],
    });
    return stream;
}

const progress = (env: string, over: Partial<EnvProgress>): EnvProgress => ({
    env, phase: "runs", runsListed: 0, runsFetched: 0, runsUnchanged: 0, runsSkipped: 0, v1Files: 0, v2Runs: 0, bytes: 0, requests: 0, retries: 0, throttled: 0, ...over,
});

describe("progress bars on a terminal", () => {
    it("draw a bar per environment with an ETA, names of any length in one column, and give the cursor back on stop", () => {
        const stream = fakeTty();
        let now = 0;
        const display = createProgressDisplay(stream, { quiet: false, envs: ["alpha", LONG], terminal: new Terminal(new Writable({ write: (_c, _e, d) => d() }), stream), now: () => now });
        display.update(progress("alpha", { phase: "runs", runsListed: 100 }));
        display.update(progress(LONG, { phase: "runs", runsListed: 400 }));
        now = 10_000;
        display.update(progress("alpha", { runsListed: 100, runsFetched: 50 }));
        display.update(progress(LONG, { runsListed: 400, runsFetched: 100, bytes: 5 * 1024 * 1024 }));
        display.stop();
        const text = stream.text();
        const bars = text.split(new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]|\r|\n`)).filter((l) => /runs \| ETA/.test(l));
        const last = (env: string): string => bars.filter((l) => l.startsWith(`${env} `)).pop() ?? "";
        expect(last("alpha")).toMatch(/\] 50\/100 runs \| ETA +0:10 \|/);
        expect(last(LONG)).toMatch(/\] 100\/400 runs \| ETA +0:30 \|.*5\.0 MiB/);
        expect(last("alpha").indexOf("[")).toBe(last(LONG).indexOf("["));
        expect(text.lastIndexOf("\x1b[?25h")).toBeGreaterThan(text.lastIndexOf("\x1b[?25l"));
        expect(display.runsFetched).toBe(150);
    });

    it("ETA: time left at the average rate so far; unknown before there is one", () => {
        expect(etaSeconds(50, 100, 0, 10_000)).toBe(10);
        expect(etaSeconds(0, 100, 0, 10_000)).toBeUndefined();
        expect(etaSeconds(100, 100, 0, 10_000)).toBe(0);
        expect(formatDuration(undefined)).toBe("?");
        expect(formatDuration(3725)).toBe("1:02:05");
    });

    it("the total is the server's count from the start, so it does not grow while runs are listed", () => {
        const p: EnvProgress = { env: "alpha", phase: "runs", runsListed: 453, runsFetched: 200, runsUnchanged: 0, runsSkipped: 0, runsExpected: 856, v1Files: 0, v2Runs: 0, bytes: 0, requests: 0, retries: 0, throttled: 0 };
        expect(progressLine(p, 5, undefined)).toContain("200/856 runs");
        expect(progressLine({ ...p, runsExpected: undefined }, 5, undefined)).toContain("200/453 runs");
    });
});
