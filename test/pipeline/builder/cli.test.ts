import { Command } from "commander";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { registerBuild } from "../../../pipeline/cli/commands/build.js";
import { registerInspect } from "../../../pipeline/cli/commands/inspect.js";
import { rawStoreFromSample } from "../../support/raw-store-from-sample.js";
import { syntheticSample } from "./synthetic-sample.js";

/** Runs a subcommand in-process the way main.ts does, capturing stdout and the exit code. */
async function cli(...args: string[]): Promise<{ stdout: string; exitCode: number }> {
    const program = new Command().option("--config <file>", "", "padlens.config.json").option("--out <dir>").option("--json", "", false).option("--quiet", "", false).exitOverride();
    registerBuild(program);
    registerInspect(program);
    let stdout = "";
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
        stdout += String(chunk);
        return true;
    });
    const before = process.exitCode;
    process.exitCode = 0;
    try {
        await program.parseAsync(["node", "padlens", ...args]);
        return { stdout, exitCode: Number(process.exitCode ?? 0) };
    } finally {
        spy.mockRestore();
        process.exitCode = before;
    }
}

describe("padlens build / inspect", () => {
    let out: string;
    beforeAll(async () => {
        out = mkdtempSync(path.join(os.tmpdir(), "padlens-cli-"));
        await rawStoreFromSample(out, syntheticSample(12));
    });
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    it("build --json prints the summary and exits 3 because a log was quarantined", async () => {
        const { stdout, exitCode } = await cli("--out", out, "--json", "--config", path.join(out, "none.json"), "build");
        const summary = JSON.parse(stdout) as { runs: number; quarantined: number; environments: unknown[] };
        expect(summary).toMatchObject({ runs: 24, quarantined: 1 });
        expect(summary.environments).toHaveLength(2);
        expect(exitCode).toBe(3);
    });

    it("build says what it rewrote: nothing when nothing changed (exit 0: the quarantined log is not new), everything with --full", async () => {
        const again = await cli("--out", out, "--config", path.join(out, "none.json"), "build");
        expect(again.stdout).toContain("nothing changed since the last build: no table rewritten");
        expect(again.exitCode).toBe(0);
        const full = await cli("--out", out, "--config", path.join(out, "none.json"), "build", "--full");
        expect(full.stdout).toMatch(/rewrote (\d+) of \1 days of runs \(24 runs decoded\), kept the others as they were/);
        expect(full.exitCode).toBe(0);
    });

    it("inspect <env>/<run-id> shows encoding, shape, keys and mapping", async () => {
        const ds = syntheticSample(12);
        const gzRun = Object.values(ds.manifest.runs.env0).find((r) => r.v1?.encoding === "gzip-base64" && !r.v1.malformed)!;
        const { stdout, exitCode } = await cli("--out", out, "inspect", `env0/${gzRun.runId}`);
        expect(exitCode).toBe(0);
        expect(stdout).toContain("encoding:  base64+gzip+json");
        expect(stdout).toMatch(/shape: {5}object with "actions": \d+ action objects/);
        expect(stdout).toMatch(/startTime\s+\d+\s+-> start/);
        expect(stdout).toMatch(/decodes: {3}yes, \d+ actions/);
    });

    it("inspect a file with an unknown key says it is not mapped, keeps the action with an unknown start, and quarantines a list where nothing maps", async () => {
        const file = path.join(out, "odd.json");
        const { writeFileSync } = await import("node:fs");
        writeFileSync(file, JSON.stringify({ Actions: [{ name: "a", beganAt: "2026-11-01T00:00:00Z" }] }));
        const kept = await cli("inspect", file);
        expect(kept.exitCode).toBe(0);
        expect(kept.stdout).toMatch(/beganAt\s+1\s+not mapped: no alias/);
        expect(kept.stdout).toContain("decodes:   yes, 1 actions");
        expect(kept.stdout).toContain("unknown:   1 starts, 1 ends (null in the tables)");
        writeFileSync(file, JSON.stringify({ Actions: [{ label: "a", beganAt: "2026-11-01T00:00:00Z" }] }));
        const quarantined = await cli("inspect", file);
        expect(quarantined.exitCode).toBe(3);
        expect(quarantined.stdout).toContain("decodes:   no, quarantined: no action maps: none of the 1 entries has a known key (actions[0] has no known key (keys: label, beganAt))");
    });

    it("inspect a real-shape log reports modules, error handling, unknown ends and per-action warnings", async () => {
        const fixture = path.join(import.meta.dirname, "../../fixtures/real/v1-cancelled-run.json");
        const { readFileSync, writeFileSync } = await import("node:fs");
        const real = await cli("inspect", fixture);
        expect(real.exitCode).toBe(0);
        expect(real.stdout).toContain("decodes:   yes, 11 actions (max depth 1, 2 containers, 0 failed, 1 failed inside error handling)");
        expect(real.stdout).toContain("modules:   UIAutomation 3, Variables 2, WebAutomation 2, Conditionals 1, Loops 1, Subflows 1, System 1");
        expect(real.stdout).toContain("error handling: 1 actions inside an error handler");
        expect(real.stdout).toContain("unknown:   0 starts, 2 ends (null in the tables)");
        expect(real.stdout).toContain("warnings:  none");
        const doc = JSON.parse(readFileSync(fixture, "utf8")) as { actions: Array<Record<string, unknown>> };
        doc.actions[3].endTime = "2026-02-30T08:00:07Z";
        doc.actions[4].index = 3e9;
        const broken = path.join(out, "broken-real.json");
        writeFileSync(broken, JSON.stringify(doc));
        const warned = await cli("inspect", broken);
        expect(warned.exitCode).toBe(0);
        expect(warned.stdout).toContain("warnings:  2 actions with a field that could not be read (that field is null):");
        expect(warned.stdout).toContain('  - invalid timestamp for actions[3].endTime: "2026-02-30T08:00:07Z" (no such date or time)');
        expect(warned.stdout).toContain("  - integer out of range for actions[4].index: 3000000000");
    });

    it("inspect a V2 run lists flowlog types and ignores non-action rows", async () => {
        const ds = syntheticSample(12);
        const v2Run = Object.values(ds.manifest.runs.env1).find((r) => r.v2)!;
        const { stdout } = await cli("--out", out, "inspect", `env1/${v2Run.runId}`);
        expect(stdout).toContain("source:    V2");
        expect(stdout).toMatch(/100000001 \(action\)=\d+/);
        expect(stdout).toMatch(/actionName\s+\d+\s+-> actionName/);
    });
});
