import { describe, expect, it } from "vitest";
import { DuckQueue } from "../../../pipeline/builder/duck-queue.js";

/** A task that finishes when the test says so, and records when it ran. */
function gate(log: string[], name: string) {
    let open: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return {
        open,
        task: async () => {
            log.push(`start ${name}`);
            await opened;
            log.push(`end ${name}`);
        },
    };
}

describe("the build's DuckDB queue", () => {
    it("lets the decoder run ahead up to the backlog, runs every task in order, and then makes it wait", async () => {
        const log: string[] = [];
        const q = new DuckQueue(100);
        const a = gate(log, "a");
        const b = gate(log, "b");
        const c = gate(log, "c");
        await q.push(a.task, 60);
        // a is still running: b fits in the backlog (60 + 40), so the decoder is not held up.
        await q.push(b.task, 40);
        let cQueued = false;
        const pushC = q.push(c.task, 30).then(() => (cQueued = true));
        await new Promise((r) => setTimeout(r, 20));
        expect(cQueued).toBe(false); // 60 + 40 + 30 > 100: waits for the oldest
        a.open();
        await pushC;
        b.open();
        c.open();
        await q.drain();
        expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
    });

    it("keeps a batch write queued with run behind the appends pushed before it", async () => {
        const log: string[] = [];
        const q = new DuckQueue(1_000);
        const a = gate(log, "append");
        await q.push(a.task, 10);
        const written = q.run(async () => {
            log.push("write");
            return 7;
        });
        a.open();
        expect(await written).toBe(7);
        expect(log).toEqual(["start append", "end append", "write"]);
    });

    it("fails the next push and every later task after a task fails, so no batch is written without its rows", async () => {
        const q = new DuckQueue(1_000);
        await q.push(async () => {
            throw new Error("DuckDB: out of memory");
        }, 10);
        const later: string[] = [];
        const written = q.run(async () => later.push("write"));
        await expect(written).rejects.toThrow("out of memory");
        await expect(q.push(async () => void later.push("append"), 10)).rejects.toThrow("out of memory");
        await expect(q.drain()).rejects.toThrow("out of memory");
        expect(later).toEqual([]);
    });
});
