import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { acquireEnvLock, acquireEnvLocks, BuildLockedError } from "../../../pipeline/builder/build-lock.js";

const out = mkdtempSync(path.join(os.tmpdir(), "padlens-lock-"));
const lib = path.join(import.meta.dirname, "../../../lib/pipeline/builder/build-lock.js");
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Another padlens process holding the folder for `ms`. */
function holder(ms: number): Promise<{ child: ChildProcess; exited: Promise<number> }> {
    const code = `const { acquireEnvLock } = await import(${JSON.stringify(new URL(`file://${lib}`).href)});
        const release = await acquireEnvLock(${JSON.stringify(out)}, "prod", { command: "pull" });
        process.stdout.write("held\\n");
        await new Promise((r) => setTimeout(r, ${ms}));
        await release();`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? -1)));
    return new Promise((resolve) => child.stdout!.on("data", (d: Buffer) => d.toString().includes("held") && resolve({ child, exited })));
}

describe("one pull or build per environment of an output folder", () => {
    it("a second one waits, saying which host and pid it waits for, and goes on when the first is done", async () => {
        const { child, exited } = await holder(1500);
        const messages: string[] = [];
        const t0 = Date.now();
        const release = await acquireEnvLock(out, "prod", { command: "build", wait: true, pollMs: 50, onWait: (m) => messages.push(m) });
        const waited = Date.now() - t0;
        expect(await exited).toBe(0);
        expect(waited).toBeGreaterThan(500);
        expect(messages).toHaveLength(1);
        expect(messages[0]).toContain(`waiting for a pull on ${os.hostname()} (pid ${child.pid}`);
        await release();
    });

    it("with --no-wait it fails at once, naming the holder; once released the folder is free", async () => {
        const { child, exited } = await holder(3000);
        const t0 = Date.now();
        const error = await acquireEnvLock(out, "prod", { wait: false }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(BuildLockedError);
        expect((error as Error).message).toMatch(new RegExp(`^a pull on ${os.hostname()} \\(pid ${child.pid}, started [0-9T:.-]+Z\\) is writing environment prod of `));
        // Well before the holder lets go: it did not wait (a margin for a busy machine).
        expect(Date.now() - t0).toBeLessThan(2000);
        await exited;
        const release = await acquireEnvLock(out, "prod", { wait: false });
        await release();
    });

    it("shards of one folder do not wait for each other: another environment is free while one is held", async () => {
        const { exited } = await holder(3000);
        const t0 = Date.now();
        const release = await acquireEnvLocks(out, ["dev", "test"], { wait: false });
        expect(Date.now() - t0).toBeLessThan(2000);
        await release();
        await expect(acquireEnvLocks(out, ["dev", "prod"], { wait: false })).rejects.toBeInstanceOf(BuildLockedError);
        // The failed attempt released what it had taken: dev is free again.
        const dev = await acquireEnvLock(out, "dev", { wait: false });
        await dev();
        await exited;
    });

    it("a pull that builds holds the lock once: nested acquisitions in one process do not wait for themselves", async () => {
        const outer = await acquireEnvLock(out, "prod", { wait: false, command: "pull" });
        const inner = await acquireEnvLock(out, "prod", { wait: false, command: "build" });
        await inner();
        const error = await acquireEnvLock(out, "prod", { wait: false }).then((r) => r(), (e: unknown) => e);
        expect(error).toBeUndefined();
        await outer();
    });
});
