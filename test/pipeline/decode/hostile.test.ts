import { createGzip } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DEFAULT_DECODE_OPTIONS } from "../../../pipeline/decode/action-record.js";
import { inspectV1, inspectV2 } from "../../../pipeline/decode/inspect.js";
import { decodeV1 } from "../../../pipeline/decode/v1.js";
import { decodeV2 } from "../../../pipeline/decode/v2.js";

/** Inputs that crashed the build or were silently wrong before (docs/data-contract.md, "Decode warnings", "Size"). */

/** `size` zero bytes, gzipped at full compression (about 1,000:1), without holding them in memory. */
async function gzipBomb(size: number): Promise<Buffer> {
    const gz = createGzip({ level: 9 });
    const out: Buffer[] = [];
    gz.on("data", (d: Buffer) => out.push(d));
    const done = new Promise((resolve) => gz.on("end", resolve));
    const chunk = Buffer.alloc(1024 * 1024);
    for (let written = 0; written < size; written += chunk.length) {
        if (!gz.write(chunk)) await new Promise((resolve) => gz.once("drain", resolve));
    }
    gz.end();
    await done;
    return Buffer.concat(out);
}

describe("hostile logs", () => {
    it("a gzip bomb stops at the size ceiling with that reason, without inflating it", async () => {
        const bomb = await gzipBomb(256 * 1024 * 1024);
        expect(bomb.length).toBeLessThan(1024 * 1024);
        const before = process.memoryUsage().rss;
        const r = decodeV1(bomb, { ...DEFAULT_DECODE_OPTIONS, maxLogBytes: 16 * 1024 * 1024 });
        expect(r).toMatchObject({ ok: false, encoding: "gzip", reason: expect.stringMatching(/^log larger than the 16 MB ceiling after gzip: raise logs\.maxLogMegabytes/) });
        expect(process.memoryUsage().rss - before).toBeLessThan(128 * 1024 * 1024);
    }, 60_000);

    it("10,000 nested children: build and inspect both quarantine with the nesting reason, nothing throws", () => {
        // Written as text: JSON.stringify itself recurses too deep for this.
        const open = '{"name":"level","startTime":"2026-11-05T08:00:00Z","children":['.repeat(10_000);
        const bytes = Buffer.from(`{"actions":[${open}{"name":"leaf"}${"]}".repeat(10_000)}]}`);
        const r = decodeV1(bytes);
        expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/^actions nested deeper than 64 levels at actions\[0\](\.children\[0\])+$/) });
        const report = inspectV1(bytes);
        expect(report.result).toEqual({ ok: false, reason: (r as { reason: string }).reason });
    });

    it("V2: a negative or huge depth, a self-parent and a forward parent are not stored as given", () => {
        const row = (sequence: number, parentSequence: number | null, depth: number, name: string) => ({
            type: 100000001, flowlogid: `id-${sequence}`, logindex: sequence,
            data: JSON.stringify({ sequence, parentSequence, depth, name, startTime: `2026-11-05T08:00:0${sequence}Z`, endTime: `2026-11-05T08:00:0${sequence}.5Z` }),
        });
        const r = decodeV2([row(0, null, -1, "root"), row(1, 1, 3_000_000_000, "self"), row(2, 3, 1, "forward"), row(3, 0, 7, "child")]);
        if (!r.ok) throw new Error(r.reason);
        expect(r.actions.map((a) => [a.actionName, a.parentSeq, a.depth, a.isContainer])).toEqual([
            ["root", null, 0, true],
            ["self", null, 0, false],
            ["forward", null, 0, false],
            ["child", 0, 1, false],
        ]);
        expect(r.actions.map((a) => a.warning)).toEqual([
            null,
            "integer out of range for flowlog row id-1.depth: 3000000000",
            "parentSequence 3 of action 2 names a later action",
            null,
        ]);
    });

    it("V2: a null row, a row that is a number and a lone surrogate decode or are skipped, and inspect agrees", () => {
        const rows = [null, 42, { type: 100000001, logindex: 0, data: JSON.stringify({ name: "lone \ud800", startTime: "2026-11-05T08:00:00Z" }) }];
        const r = decodeV2(rows);
        if (!r.ok) throw new Error(r.reason);
        expect(r.actions.map((a) => a.actionName)).toEqual(["lone \ufffd"]);
        expect(inspectV2(rows, 100).result).toMatchObject({ ok: true, actions: 1 });
    });
});
