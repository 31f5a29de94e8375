import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { publishFile } from "../../../pipeline/builder/publish.js";
import { RawStore } from "../../../pipeline/store/raw-store.js";
import { writeFileAtomic } from "../../../pipeline/util/atomic-write.js";
import { fsOps, rmSoonRetrying, withFsRetry } from "../../../pipeline/util/fs-retry.js";

/** What Windows does while antivirus, OneDrive or Power BI Desktop holds a file open for a moment. */
function failNext(op: "rename" | "rm", codes: string[]): { calls: () => number } {
    let calls = 0;
    const real = op === "rename" ? rename : rm;
    const queue = [...codes];
    const lock = (args: unknown[]) => {
        calls++;
        const code = queue.shift();
        if (code) throw Object.assign(new Error(`${code}: simulated lock on ${String(args[0])}`), { code });
    };
    (fsOps as Record<string, unknown>)[op] = async (...args: unknown[]) => {
        lock(args);
        return (real as (...a: unknown[]) => Promise<void>)(...args);
    };
    // The build's publishing renames synchronously first (renameSoonRetrying): the same lock applies.
    if (op === "rename") {
        fsOps.renameSync = (from, to) => {
            lock([from]);
            renameSync(from, to);
        };
    } else {
        fsOps.rmSync = (target, options) => {
            lock([target]);
            rmSync(target, options);
        };
    }
    return { calls: () => calls };
}

const dir = mkdtempSync(path.join(os.tmpdir(), "padlens-fsretry-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
    fsOps.rename = rename;
    fsOps.renameSync = renameSync;
    fsOps.rm = rm;
    fsOps.rmSync = rmSync;
});

describe("Windows-safe renames and deletes", () => {
    it("an atomic write rides out EBUSY, EPERM and EACCES on its rename", async () => {
        const probe = failNext("rename", ["EBUSY", "EPERM", "EACCES"]);
        const file = path.join(dir, "state.json");
        await writeFileAtomic(file, "{}");
        expect(readFileSync(file, "utf8")).toBe("{}");
        expect(probe.calls()).toBe(4);
        expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    });

    it("a run re-pulled without its log deletes the old log through a transient lock", async () => {
        const store = new RawStore(path.join(dir, "out"));
        const id = "0a0a0a0a-0000-4000-8000-000000000001";
        const row = { flowsessionid: id, modifiedon: "2026-11-05T08:00:00Z" };
        await store.writeRun("prod", id, { row, fetch: { fetchedAt: "x", v1: { state: "fetched" }, v2: { state: "not-applicable" } } }, { v1: Buffer.from("{}") });
        const probe = failNext("rm", ["EBUSY", "EPERM"]);
        await store.writeRun("prod", id, { row, fetch: { fetchedAt: "y", v1: { state: "absent" }, v2: { state: "not-applicable" } } }, {});
        expect(await store.readV1("prod", id)).toBeNull();
        expect(probe.calls()).toBeGreaterThanOrEqual(3);
    });

    it("a build's new file reaches the lake when its folder is briefly locked", async () => {
        const out = path.join(dir, "commit");
        await writeFileAtomic(path.join(out, "_lake", ".work-x", "runs.parquet"), "new");
        const probe = failNext("rename", ["EBUSY", "EBUSY"]);
        const rel = await publishFile(out, path.join(out, "_lake", ".work-x", "runs.parquet"), "runs", "prod", "2026-11-05", "g1");
        expect(rel).toBe("runs/env=prod/month=2026-11/2026-11-05-g1.parquet");
        expect(readFileSync(path.join(out, ...rel.split("/")), "utf8")).toBe("new");
        expect(probe.calls()).toBe(3);
    });

    it("a build publishes a file without waiting for the event loop (its DuckDB task would wait behind the decoder)", async () => {
        const out = path.join(dir, "soon");
        await writeFileAtomic(path.join(out, "_lake", ".work-y", "actions.parquet"), "new");
        let loopTurned = false;
        setImmediate(() => (loopTurned = true));
        const rel = await publishFile(out, path.join(out, "_lake", ".work-y", "actions.parquet"), "actions", "prod", "2026-11-05", "g2");
        expect(loopTurned).toBe(false);
        expect(readFileSync(path.join(out, ...rel.split("/")), "utf8")).toBe("new");
    });

    it("a loaded spool file is deleted through a transient lock", async () => {
        const file = path.join(dir, "runs-0001.jsonl");
        await writeFileAtomic(file, "{}");
        const probe = failNext("rm", ["EBUSY"]);
        await rmSoonRetrying(file, { force: true });
        expect(readdirSync(dir)).not.toContain("runs-0001.jsonl");
        expect(probe.calls()).toBe(2);
    });

    it("a lock that does not go away, or an error that is not a lock, surfaces unchanged", async () => {
        let attempts = 0;
        const locked = withFsRetry(async () => {
            attempts++;
            throw Object.assign(new Error("EBUSY: resource busy"), { code: "EBUSY" });
        }, { attempts: 4, delayMs: 1, maxDelayMs: 2 });
        await expect(locked).rejects.toThrow("EBUSY: resource busy");
        expect(attempts).toBe(4);
        attempts = 0;
        await expect(withFsRetry(async () => {
            attempts++;
            throw Object.assign(new Error("ENOSPC: no space left"), { code: "ENOSPC" });
        })).rejects.toThrow("ENOSPC");
        expect(attempts).toBe(1);
    });
});
