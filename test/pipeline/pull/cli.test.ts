import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimulatorHandle } from "../../../simulator/server/index.js";
import { pullAll } from "../../../pipeline/pull/pull.js";
import { caDir, configJson, makeConfig, makeDataset, storeDigest, type EnvSpec } from "./fixture.js";

const SPECS: EnvSpec[] = [
    { name: "alpha", runs: 60, logVersion: 2, largeRun: 3 },
    { name: "gamma", runs: 30, logVersion: 1, ttlMinutes: 30 },
];
// The compiled CLI, as users run it (test/setup/build-cli.ts compiles it once per test run).
const MAIN = path.resolve("lib", "pipeline", "cli", "main.js");

let sim: SimulatorHandle;
let tmp: string;
let baseline: string;
const outputs: string[] = [];

interface Run {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
}

/** Runs committed in a raw store so far (run files; leftovers of killed writes are dot-files). */
function committedRuns(out: string): number {
    const raw = path.join(out, "raw");
    if (!existsSync(raw)) return 0;
    return readdirSync(raw, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith(".json") && !e.name.startsWith(".") && path.basename(e.parentPath).length === 2 && path.basename(path.dirname(e.parentPath)) === "runs").length;
}

/** Runs the compiled CLI; SIGKILLs it as soon as `killWhen()` holds (polled), so a kill lands mid-pull however fast the machine is. */
function cli(args: string[], env: Record<string, string> = {}, killWhen?: () => boolean): Promise<Run> {
    return new Promise((resolve) => {
        const child: ChildProcess = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
        const timer = killWhen === undefined ? undefined : setInterval(() => {
            if (killWhen()) child.kill("SIGKILL");
        }, 5);
        child.on("close", (code, signal) => {
            clearInterval(timer);
            outputs.push(stdout, stderr);
            resolve({ code, signal, stdout, stderr });
        });
    });
}

async function writeConfig(name: string, out: string, extra: Record<string, unknown> = {}, secrets?: Record<string, string>): Promise<string> {
    const file = path.join(tmp, `${name}.json`);
    await writeFile(file, JSON.stringify(configJson(sim, out, extra, secrets), null, 2));
    return file;
}

beforeAll(async () => {
    sim = await startSimulator({ caDir: caDir(), dataset: makeDataset(SPECS) });
    tmp = await mkdtemp(path.join(os.tmpdir(), "padlens-pull-cli-"));
    const out = path.join(tmp, "baseline");
    expect((await pullAll(makeConfig(sim, out))).ok).toBe(true);
    baseline = await storeDigest(out);
}, 180_000);

afterAll(async () => {
    await sim?.close();
    await rm(tmp, { recursive: true, force: true });
});

describe("padlens pull (compiled CLI)", () => {
    it("a pull killed at random points and resumed equals an uninterrupted one", async () => {
        const out = path.join(tmp, "killed");
        const config = await writeConfig("killed", out, { concurrency: 4 });
        sim.setLatency(15);
        const kills: number[] = [];
        try {
            for (let i = 0; i < 4; i++) {
                // Random points measured in progress, not time: after 1-15 more runs are on disk (the fixture has 90).
                const before = committedRuns(out);
                const step = 1 + Math.floor(Math.random() * 15);
                const r = await cli(["pull", "--config", config, "--no-build", "--quiet"], {}, () => committedRuns(out) >= before + step);
                if (r.signal === "SIGKILL") kills.push(committedRuns(out) - before);
            }
        } finally {
            sim.setLatency(0);
        }
        const final = await cli(["pull", "--config", config, "--no-build", "--json"]);
        expect(final.code, final.stderr).toBe(0);
        // Every kill landed mid-pull: 4 x at most 15 runs is less than the 90 to fetch.
        expect(kills).toHaveLength(4);
        expect(await storeDigest(out)).toBe(baseline);
        const summary = JSON.parse(final.stdout) as { environments: Array<{ env: string; ok: boolean; runsListed: number }> };
        expect(summary.environments.map((e) => [e.env, e.ok])).toEqual([["alpha", true], ["gamma", true]]);
    });

    it("a wrong secret gives one actionable line, exit 1, and never prints the secret", async () => {
        const wrong = "Wr0ng-Secret-Value-9f8e7d6c5b4a";
        const config = await writeConfig("wrong", path.join(tmp, "wrong"), {}, { alpha: "env:PADLENS_TEST_SECRET", gamma: "env:PADLENS_TEST_SECRET" });
        const r = await cli(["pull", "--config", config, "--no-build"], { PADLENS_TEST_SECRET: wrong });
        expect(r.code).toBe(1);
        const failures = r.stdout.split("\n").filter((l) => l.startsWith("failed: "));
        expect(failures).toHaveLength(2);
        expect(failures[0]).toMatch(/^failed: alpha: authentication failed: AADSTS7000215: Invalid client secret provided.* — check clientSecret/);
        expect(r.stdout + r.stderr).not.toContain(wrong);
    });

    it("a missing privilege names the privilege and the fix; the other environment still lands (exit 3)", async () => {
        sim.setDeniedTables("alpha", ["flowlog"]);
        try {
            const config = await writeConfig("denied", path.join(tmp, "denied"));
            const r = await cli(["pull", "--config", config, "--no-build"]);
            expect(r.code).toBe(3);
            expect(r.stdout).toContain("failed: alpha: missing privilege prvReadflowlog on flowlog — give the app user's security role Read on Flow Log\n");
            expect(r.stdout).toMatch(/gamma\s+ok/);

            const doctor = await cli(["doctor", "--config", config]);
            expect(doctor.code).toBe(1);
            expect(doctor.stdout).toContain("FIX  alpha: read flowlog: alpha: missing privilege prvReadflowlog on flowlog");
            expect(doctor.stdout).toContain("ok   gamma: read flowsession: readable");
            // gamma keeps V2 rows 30 min but the default schedule is hourly.
            expect(doctor.stdout).toMatch(/WARN gamma: flowlog TTL: gamma: flowlog rows expire after 30 min/);
        } finally {
            sim.setDeniedTables("alpha", []);
        }
        const healthy = await cli(["doctor", "--config", await writeConfig("healthy", path.join(tmp, "healthy"), { scheduleMinutes: 10 })]);
        expect(healthy.code, healthy.stdout).toBe(0);
    });

    it("init writes a valid, commented example; a missing env:VAR secret is named as a usage error", async () => {
        const file = path.join(tmp, "init.json");
        expect((await cli(["init", "--config", file])).code).toBe(0);
        expect((await cli(["init", "--config", file])).code).toBe(2);
        const r = await cli(["doctor", "--config", file]);
        expect(r.code).toBe(2);
        expect(r.stdout).toContain("FIX  prod: config: clientSecret: environment variable PADLENS_PROD_SECRET is not set\n");
    });

    it("without --no-build, pull hands the raw store to the build stage; an unknown --env is a usage error", async () => {
        const out = path.join(tmp, "built");
        const config = await writeConfig("built", out);
        const r = await cli(["pull", "--config", config, "--json"]);
        const summary = JSON.parse(r.stdout) as { ok: boolean; build?: { summary?: { runs: number } } };
        expect(summary.ok).toBe(true);
        expect(summary.build?.summary?.runs, r.stderr).toBe(90);
        expect([0, 3]).toContain(r.code);
        expect((await readdir(out)).sort()).toContain("runs");

        const bad = await cli(["pull", "--config", config, "--env", "nosuch"]);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toContain("--env: no environment named nosuch");
    });
    it("no secret or token appears in any output or in any file under out", async () => {
        const secrets = sim.environments.map((e) => e.clientSecret);
        const roots = [tmp];
        const files: string[] = [];
        for (const root of roots) {
            for (const f of await readdir(root, { recursive: true, withFileTypes: true })) if (f.isFile()) files.push(path.join(f.parentPath, f.name));
        }
        const configs = new Set(files.filter((f) => f.endsWith(".json") && path.dirname(f) === tmp));
        const texts = [...outputs];
        for (const f of files) if (!configs.has(f)) texts.push((await readFile(f)).toString("latin1"));
        expect(texts.length).toBeGreaterThan(20);
        for (const text of texts) {
            for (const s of secrets) expect(text).not.toContain(s);
            expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
        }
    });
});
