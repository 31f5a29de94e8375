import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { expect } from "vitest";

/** The compiled CLI, as users run it (test/setup/build-cli.ts compiles it once per test run). */
export const MAIN = path.resolve("lib", "pipeline", "cli", "main.js");

export interface Run {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
}

export interface CliOptions {
    env?: Record<string, string | undefined>;
    cwd?: string;
    /** Polled every 10 ms with the output so far; when it returns a signal, that signal is sent once. */
    signalWhen?: (soFar: { stdout: string; stderr: string }) => NodeJS.Signals | undefined;
    /** Another executable instead of `node lib/.../main.js` (the installed command). */
    command?: string[];
}

/** Runs the real CLI in a child process and collects its exit code and output. */
export function cli(args: string[], options: CliOptions = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
        const [exe, ...pre] = options.command ?? [process.execPath, MAIN];
        const child = spawn(exe, [...pre, ...args], {
            cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"],
            // The installed command on Windows is padlens.cmd, which only a shell runs.
            shell: process.platform === "win32" && /\.cmd$/i.test(exe),
        });
        let stdout = "";
        let stderr = "";
        let sent = false;
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const timer = options.signalWhen ? setInterval(() => {
            const signal = sent ? undefined : options.signalWhen!({ stdout, stderr });
            if (signal) {
                sent = true;
                child.kill(signal);
            }
        }, 10) : undefined;
        child.on("error", reject);
        child.on("close", (code, signal) => {
            clearInterval(timer);
            resolve({ code, signal, stdout, stderr });
        });
    });
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validateOutput = ajv.compile(JSON.parse(readFileSync(path.resolve("docs", "schemas", "padlens-output.schema.json"), "utf8")) as object);

/** The one object every command prints with --json (pipeline/cli/outcome.ts). */
export type { JsonOutput } from "../../pipeline/cli/outcome.js";
import type { JsonOutput } from "../../pipeline/cli/outcome.js";
import { rawStoreDigest } from "../support/store-digest.js";

/**
 * The one JSON object a --json run prints: stdout must be exactly one line holding one object that
 * matches docs/schemas/padlens-output.schema.json, and its exitCode must be the process's.
 */
export function onlyJson(run: Run): JsonOutput {
    const lines = run.stdout.split("\n").filter((l) => l.trim());
    expect(lines, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toHaveLength(1);
    const parsed = JSON.parse(lines[0]) as JsonOutput;
    const valid = validateOutput(parsed);
    expect(valid ? [] : validateOutput.errors, JSON.stringify(parsed).slice(0, 2000)).toEqual([]);
    expect(parsed.exitCode).toBe(run.code);
    return parsed;
}

/** Runs committed in a raw store so far (run files; leftovers of killed writes are dot-files). */
export function committedRuns(out: string): number {
    const raw = path.join(out, "raw");
    if (!existsSync(raw)) return 0;
    return readdirSync(raw, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith(".json") && !e.name.startsWith(".") && path.basename(e.parentPath).length === 2 && path.basename(path.dirname(e.parentPath)) === "runs").length;
}

/**
 * What a pull stores, canonically: every run file (without its fetch time), the V1 and V2 logs, and
 * each environment's watermark. Two stores holding the same runs give the same digest, whatever else
 * (bookkeeping with timestamps) sits beside them.
 */
export async function storedRunsDigest(out: string): Promise<string> {
    return rawStoreDigest(out, { snapshots: false });
}
