import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ActionRecord } from "../../../pipeline/decode/action-record.js";
import { decodeV1 } from "../../../pipeline/decode/v1.js";

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "../../fixtures/v1", name));
const utc = (iso: string) => Date.parse(iso);
/** The contract row with what these older shapes do not state (no module, no error handling, no warnings). */
const rec = (r: Omit<ActionRecord, "isContainer" | "module" | "insideErrorHandling" | "errorCorrelationId" | "inputsJson" | "outputsJson" | "warning"> & Partial<ActionRecord>): ActionRecord => ({
    isContainer: false, module: null, insideErrorHandling: null, errorCorrelationId: null, inputsJson: null, outputsJson: null, warning: null, ...r,
});

function decodeOk(name: string): { encoding: string; actions: ActionRecord[] } {
    const r = decodeV1(fixture(name));
    if (!r.ok) throw new Error(`${name}: ${r.reason}`);
    return r;
}

const BASE_ROWS: ActionRecord[] = [
    rec({
        seq: 0, parentSeq: null, depth: 0, actionIndex: 1, subflow: "main", actionName: "Set variable", systemActionName: "Variables.SetVariable",
        startedOn: utc("2026-11-01T10:00:00.000Z"), endedOn: utc("2026-11-01T10:00:00.250Z"), durationMs: 250,
        status: "Succeeded", level: null, errorCode: null, errorMessage: null,
    }),
    rec({
        seq: 1, parentSeq: null, depth: 0, actionIndex: 2, subflow: "Login", actionName: "Click button", systemActionName: "UIAutomation.Click",
        // 11:00:01.1234567+01:00 is 10:00:01.123 UTC (sub-ms digits truncated)
        startedOn: utc("2026-11-01T10:00:01.123Z"), endedOn: utc("2026-11-01T10:00:02.623Z"), durationMs: 1500,
        status: "Failed", level: null, errorCode: "ElementNotFound", errorMessage: "Button not found",
    }),
];

describe("V1 decoder: encodings are detected from the bytes", () => {
    it.each([
        ["plain.json", "json"],
        ["bom.json", "json-bom"],
        ["base64.txt", "base64+json"],
        ["gzip.bin", "gzip+json"],
        ["gzip-base64.txt", "base64+gzip+json"],
        ["base64-gzip.bin", "gzip+base64+json"],
        ["bom-base64.txt", "base64+json-bom"],
    ])("%s decodes as %s to the same rows", (file, encoding) => {
        const r = decodeOk(file);
        expect(r.encoding).toBe(encoding);
        expect(r.actions).toEqual(BASE_ROWS);
    });
});

describe("V1 decoder: key variants of the alias table (docs/data-contract.md, Log shapes) map through it", () => {
    it("PascalCase keys under Actions, offsets, result/ErrorMessage/ErrorCode, numeric-string durations", () => {
        const { actions } = decodeOk("keys-pascal.json");
        expect(actions).toEqual([
            rec({
                seq: 0, parentSeq: null, depth: 0, actionIndex: 3, subflow: "Reports", actionName: "Launch Excel", systemActionName: "Excel.LaunchExcel",
                startedOn: utc("2026-11-01T13:00:00Z"), endedOn: utc("2026-11-01T13:00:02.500Z"), durationMs: 2500,
                status: "Succeeded", level: "Info", errorCode: null, errorMessage: null,
            }),
            rec({
                seq: 1, parentSeq: null, depth: 0, actionIndex: 4, subflow: "Reports", actionName: "Write cell", systemActionName: "Excel.WriteCell",
                startedOn: utc("2026-11-01T13:00:03Z"), endedOn: utc("2026-11-01T13:00:03.042Z"), durationMs: 42,
                status: "Failed", level: null, errorCode: "FileLocked", errorMessage: "Locked",
            }),
        ]);
    });

    it("actionLogs with .NET TimeSpan durations, including days, and exception strings", () => {
        const { actions } = decodeOk("keys-actionlogs.json");
        expect(actions.map((a) => [a.actionIndex, a.actionName, a.systemActionName, a.durationMs, a.endedOn, a.status, a.errorMessage])).toEqual([
            [1, "Wait", "System.Wait", 1234, utc("2026-11-01T00:00:01.234Z"), "Succeeded", null],
            [2, "Long wait", "System.Wait", ((26 * 60 + 3) * 60 + 4) * 1000 + 500, utc("2026-11-02T02:03:06.500Z"), "Failed", "Timeout expired"],
        ]);
    });

    it("logs with startedOn/end derives the duration across midnight", () => {
        const { actions } = decodeOk("keys-logs.json");
        expect(actions).toHaveLength(1);
        expect(actions[0]).toMatchObject({ actionIndex: 7, subflow: "Cleanup", actionName: "Run script", durationMs: 10, startedOn: utc("2026-11-01T23:59:59.999Z") });
    });

    it("a bare top-level array is the action list; subflow defaults to main, as PAD names it", () => {
        const { actions } = decodeOk("top-level-array.json");
        expect(actions).toEqual([
            rec({ seq: 0, parentSeq: null, depth: 0, actionIndex: 1, subflow: "main", actionName: "Only", systemActionName: null,
              startedOn: utc("2026-11-01T10:00:00Z"), endedOn: utc("2026-11-01T10:00:00.005Z"), durationMs: 5, status: null, level: null, errorCode: null, errorMessage: null }),
        ]);
    });

    it("nested children and subActions flatten depth-first with depth and parent_seq; subflow is inherited", () => {
        const { actions } = decodeOk("nested.json");
        expect(actions.map((a) => [a.seq, a.actionName, a.depth, a.parentSeq, a.subflow, a.isContainer])).toEqual([
            [0, "Loop", 0, null, "main", true],
            [1, "Run subflow", 1, 0, "main", true],
            [2, "Inner", 2, 1, "Sub1", false],
            [3, "Log", 1, 0, "main", false],
            [4, "Done", 0, null, "main", false],
        ]);
    });
});

describe("V1 decoder: malformed inputs are quarantined with a clear reason", () => {
    it.each([
        ["bad-base64.txt", /bad base64/],
        ["truncated.gz", /truncated or corrupt gzip/],
        ["invalid.json", /invalid JSON: .*position \d+/],
        ["unknown-shape.json", /no action list found \(keys seen: flowRun, version\)/],
        ["non-utf8.bin", /not UTF-8/],
    ])("%s -> %s", (file, reason) => {
        const r = decodeV1(fixture(file));
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.reason).toMatch(reason);
    });

    it("reports the encoding layers recognised before the failure", () => {
        expect(decodeV1(fixture("truncated.gz")).encoding).toBe("gzip");
        expect(decodeV1(fixture("bad-base64.txt")).encoding).toBe("base64");
    });

    it("a list where no entry has a known key is quarantined, naming the keys it has", () => {
        const r = decodeV1(Buffer.from(JSON.stringify({ actions: [{ foo: 1, bar: 2 }, { foo: 3 }] })));
        expect(r).toMatchObject({ ok: false, reason: "no action maps: none of the 2 entries has a known key (actions[0] has no known key (keys: foo, bar))" });
    });
});

describe("V1 decoder: one unreadable field costs that field, not the run", () => {
    it.each([
        ["wrong-types.json", "startedOn", /wrong type for actions\[0\]\.startTime: expected a timestamp string, got boolean/],
        ["negative-duration.json", "durationMs", /negative duration for actions\[0\]\.duration/],
        ["end-before-start.json", "endedOn", /end before start in actions\[0\]/],
    ] as const)("%s keeps the action with %s null and the reason as a warning", (file, field, reason) => {
        const r = decodeV1(fixture(file));
        if (!r.ok) throw new Error(r.reason);
        expect(r.actions[0][field]).toBeNull();
        expect(r.actions[0].warning).toMatch(reason);
        expect(r.warnings).toBe(1);
        expect(r.firstWarning).toMatch(reason);
    });

    it("strings over 1 MB are null with a warning, the rest of the action is kept", () => {
        const doc = JSON.stringify({ actions: [{ name: "x".repeat(1024 * 1024 + 1), systemActionName: "Wait", startTime: "2026-11-01T10:00:00Z" }] });
        const r = decodeV1(Buffer.from(doc));
        if (!r.ok) throw new Error(r.reason);
        expect(r.actions[0]).toMatchObject({ actionName: null, systemActionName: "Wait", startedOn: utc("2026-11-01T10:00:00Z") });
        expect(r.firstWarning).toMatch(/string longer than 1 MB in actions\[0\]\.name/);
    });

    it("an action without any time is kept with unknown times", () => {
        const r = decodeV1(Buffer.from(JSON.stringify({ actions: [{ name: "x", foo: 1 }] })));
        if (!r.ok) throw new Error(r.reason);
        expect(r.actions[0]).toMatchObject({ actionName: "x", startedOn: null, endedOn: null, durationMs: null, warning: null });
    });
});
