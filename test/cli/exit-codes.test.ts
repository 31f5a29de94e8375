import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimulatorHandle } from "../../simulator/server/index.js";
import { caDir, configJson, makeDataset } from "../pipeline/pull/fixture.js";
import { cli, committedRuns, onlyJson, storedRunsDigest } from "./helpers.js";

// alpha keeps V1 files and one of them is not a log at all: the first build quarantines it, every later build finds it again.
const dataset = makeDataset([
    { name: "alpha", runs: 40, logVersion: 0 },
    { name: "gamma", runs: 30, logVersion: 1 },
]);
const alpha = dataset.environments[0];
const BROKEN = String(alpha.flowsessions[5].flowsessionid);
const original = alpha.additionalContext.bind(alpha);
alpha.additionalContext = (id) => (id === BROKEN ? Buffer.from('{"actions": [ {"name": "cut off here') : original(id));

let sim: SimulatorHandle;
let tmp: string;

async function writeConfig(name: string, extra: Record<string, unknown> = {}, secrets?: Record<string, string>): Promise<{ file: string; out: string }> {
    const out = path.join(tmp, name);
    const file = path.join(tmp, `${name}.json`);
    await writeFile(file, JSON.stringify(configJson(sim, out, extra, secrets), null, 2));
    return { file, out };
}

beforeAll(async () => {
    sim = await startSimulator({ caDir: caDir(), dataset });
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-exit-codes-"));
});

afterAll(async () => {
    await sim?.close();
    await rm(tmp, { recursive: true, force: true });
});

describe("exit codes a scheduler can trust", () => {
    let main: { file: string; out: string };

    it("a quarantine is a problem of the run that found it (3), not of every run after it (0, and listed)", async () => {
        main = await writeConfig("main");
        const first = await cli(["pull", "--config", main.file, "--json"]);
        expect(first.code, first.stderr).toBe(3);
        const j1 = onlyJson(first);
        expect(j1).toMatchObject({ status: "partial", command: "pull", ok: false, build: { status: "partial", exitCode: 3, quarantinedNew: 1, quarantinedEarlier: 0 } });
        expect(j1.problems).toEqual([expect.stringMatching(new RegExp(`^alpha: V1 log of run ${BROKEN} quarantined: `))]);

        // Nothing new upstream: the next scheduled pull did its work, so 0, and the old quarantine is still shown.
        const second = await cli(["pull", "--config", main.file]);
        expect(second.code, second.stdout + second.stderr).toBe(0);
        expect(second.stdout).toContain("quarantined logs: 1 quarantined by earlier builds (still undecodable; not counted as a failure)");
        expect(second.stdout).not.toContain("new quarantine:");

        const third = onlyJson(await cli(["pull", "--config", main.file, "--json"]));
        expect(third).toMatchObject({ status: "ok", exitCode: 0, ok: true, problems: [], build: { status: "ok", quarantinedNew: 0, quarantinedEarlier: 1, summary: { quarantined: 1 } } });

        // A rebuild alone (no config, no network) agrees.
        const rebuilt = onlyJson(await cli(["build", "--out", main.out, "--config", path.join(tmp, "none.json"), "--json"]));
        expect(rebuilt).toMatchObject({ status: "ok", command: "build", quarantined: 1, quarantinedNew: 0, quarantinedEarlier: 1, runs: 70 });
    });

    it("--json prints exactly one object on errors too: usage (2) for a missing config or a bad option", async () => {
        const missing = await cli(["pull", "--config", path.join(tmp, "nope.json"), "--json"]);
        expect(missing.code).toBe(2);
        expect(onlyJson(missing)).toMatchObject({ status: "usage", command: "pull", error: expect.stringContaining("cannot read") });
        expect(missing.stderr).toContain("padlens: config: cannot read");

        const bad = await cli(["pull", "--json", "--frobnicate"]);
        expect(bad.code).toBe(2);
        expect(onlyJson(bad)).toMatchObject({ status: "usage", command: "pull", error: "unknown option '--frobnicate'" });
    });

    it("every environment failing is a failure (1) with the error; one failing is partial (3) naming it", async () => {
        const wrong = await writeConfig("wrong", {}, { alpha: "Wr0ng-Secret-Value-1234567", gamma: "Wr0ng-Secret-Value-1234567" });
        const failed = await cli(["pull", "--config", wrong.file, "--no-build", "--json"]);
        expect(failed.code).toBe(1);
        const j = onlyJson(failed);
        expect(j).toMatchObject({ status: "failed", ok: false, build: null });
        expect(j.error).toMatch(/^alpha: authentication failed/);
        expect(j.problems).toHaveLength(2);
        expect(failed.stdout).not.toContain("Wr0ng-Secret-Value-1234567");

        sim.setDeniedTables("gamma", ["flowlog"]);
        try {
            const some = await writeConfig("denied");
            const partial = await cli(["pull", "--config", some.file, "--no-build", "--json"]);
            expect(partial.code).toBe(3);
            expect(onlyJson(partial)).toMatchObject({ status: "partial", problems: [expect.stringContaining("gamma: missing privilege prvReadflowlog")] });
        } finally {
            sim.setDeniedTables("gamma", []);
        }
    });

    it("a second pull on the same folder with --no-wait fails at once (1) naming the holder; without it, it waits and says so", async () => {
        const { file, out } = await writeConfig("locked", { concurrency: 2 });
        // Slow enough that the first pull still runs while two more processes start on a loaded machine.
        sim.setLatency(150);
        try {
            const first = cli(["pull", "--config", file, "--no-build"]);
            while (committedRuns(out) < 1) await new Promise((r) => setTimeout(r, 10));
            const second = await cli(["pull", "--config", file, "--no-build", "--no-wait", "--json"]);
            expect(second.code).toBe(1);
            expect(onlyJson(second)).toMatchObject({ status: "failed", error: expect.stringMatching(/^pull: .*pid \d+/) });
            const waiting = cli(["pull", "--config", file, "--no-build"]);
            expect((await first).code).toBe(0);
            const waited = await waiting;
            expect(waited.code, waited.stderr).toBe(0);
            expect(waited.stderr).toMatch(/waiting for .* to finish with /);
        } finally {
            sim.setLatency(0);
        }
    });

    it("Ctrl-C stops cleanly: exit 130, one line saying what was kept, one JSON object; the next pull completes the same store", async () => {
        const { file, out } = await writeConfig("interrupted", { concurrency: 2 });
        sim.setLatency(40);
        let run;
        try {
            run = await cli(["pull", "--config", file, "--json"], { signalWhen: () => (committedRuns(out) >= 5 ? "SIGINT" : undefined) });
        } finally {
            sim.setLatency(0);
        }
        expect(run.signal).toBeNull();
        expect(run.code, run.stderr).toBe(130);
        const j = onlyJson(run);
        expect(j).toMatchObject({ status: "interrupted", command: "pull" });
        const lines = run.stderr.trim().split("\n");
        expect(lines[lines.length - 1]).toMatch(new RegExp(`^padlens: interrupted \\(Ctrl-C\\): \\d+ runs fetched by this pull are kept in ${out.replaceAll("\\", "\\\\")}.raw, each complete with its logs; the next pull continues from there \\(tables not rebuilt\\)$`));
        expect(j.error).toBe(lines[lines.length - 1].replace(/^padlens: /, ""));

        const resumed = await cli(["pull", "--config", file, "--no-build"]);
        expect(resumed.code, resumed.stderr).toBe(0);
        expect(await storedRunsDigest(out)).toBe(await storedRunsDigest(main.out));
    });
});
