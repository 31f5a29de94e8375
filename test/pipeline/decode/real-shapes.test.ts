import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_DECODE_OPTIONS, type ActionRecord, type DecodeResult } from "../../../pipeline/decode/action-record.js";
import { decodeV1 } from "../../../pipeline/decode/v1.js";
import { decodeV2 } from "../../../pipeline/decode/v2.js";

/**
 * Logs in the shape Microsoft's products write (docs/data-contract.md, "Log shapes"): a flat V1 list with
 * systemModuleName, functionName main, insideErrorHandling, 7-digit UTC fractions, inputs/outputs; V2 rows
 * with logindex and duration served out of order under one createdon. The fixtures are our own, made
 * from the documented keys: a cancelled run whose last two actions never ended.
 */
const dir = path.join(import.meta.dirname, "../../fixtures/real");
const v1Bytes = readFileSync(path.join(dir, "v1-cancelled-run.json"));
const v2Rows = readFileSync(path.join(dir, "v2-cancelled-run.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
const at = (s: string) => Date.parse(`2026-11-05T08:${s}Z`);

function ok(r: DecodeResult): Extract<DecodeResult, { ok: true }> {
    if (!r.ok) throw new Error(r.reason);
    return r;
}

const structure = (actions: ActionRecord[]) => actions.map((a) => [a.seq, a.systemActionName, a.parentSeq, a.depth, a.isContainer]);

const EXPECTED_STRUCTURE = [
    [0, "Subflows.RunSubflow", null, 0, true],
    [1, "WebAutomation.LaunchEdge.LaunchEdge", 0, 1, false],
    [2, "WebAutomation.Click", 0, 1, false],
    [3, "Loops.LoopWithIndex", null, 0, true],
    [4, "UIAutomation.Click", 3, 1, false],
    [5, "UIAutomation.Click", 3, 1, false],
    // an If is an entry of its own: it ends before the next action starts, so it contains nothing
    [6, "Conditionals.If", null, 0, false],
    [7, "Variables.SetVariable", null, 0, false],
    [8, "Variables.SetVariable", null, 0, false],
    [9, "System.Wait", null, 0, false],
    [10, "UIAutomation.Windows.Close", null, 0, false],
];

describe("real V1 shape", () => {
    const r = ok(decodeV1(v1Bytes));

    it("keeps every action, in list order, with Module.Action names and modules", () => {
        expect(r.encoding).toBe("json");
        expect(r.actions).toHaveLength(11);
        expect(structure(r.actions)).toEqual(EXPECTED_STRUCTURE);
        expect(r.actions.map((a) => a.module)).toEqual(["Subflows", "WebAutomation", "WebAutomation", "Loops", "UIAutomation", "UIAutomation", "Conditionals", "Variables", "Variables", "System", "UIAutomation"]);
        // two different actions that PAD both calls "Click" stay apart
        expect(new Set(r.actions.filter((a) => a.actionName?.startsWith("Click")).map((a) => a.systemActionName))).toEqual(new Set(["WebAutomation.Click", "UIAutomation.Click"]));
    });

    it("reads subflows as logged (main stays main), error handling, the error's correlation id, and 7-digit times", () => {
        expect(r.actions.map((a) => a.subflow)).toEqual(["main", "Login", "Login", "main", "main", "main", "main", "main", "main", "main", "main"]);
        expect(r.actions[5]).toMatchObject({
            status: "Failed", insideErrorHandling: true, errorCode: "ElementNotFound", errorCorrelationId: "5b0d7c2e-3f41-4f7a-9a55-0c1d2e3f4a5b",
            errorMessage: "Failed to click the UI element.", startedOn: at("00:06.000"), endedOn: at("00:06.900"), durationMs: 900,
        });
        expect(r.actions[4].insideErrorHandling).toBe(false);
        // same millisecond, told apart by the 100 ns digits: list order kept
        expect([r.actions[7].startedOn, r.actions[8].startedOn]).toEqual([at("00:07.120"), at("00:07.120")]);
    });

    it("a cancelled run's actions that never ended keep their place with an unknown end, never a made-up date", () => {
        expect(r.actions[9]).toMatchObject({ actionName: "Wait", startedOn: at("00:07.200"), endedOn: null, durationMs: null, warning: null });
        expect(r.actions[10]).toMatchObject({ actionName: "Close window", startedOn: at("00:08.000"), endedOn: null, durationMs: null, warning: null });
        expect(r.warnings).toBe(0);
    });

    it("a log read one action at a time (as large logs are) decodes to the same rows", () => {
        expect(decodeV1(v1Bytes, { ...DEFAULT_DECODE_OPTIONS, streamAboveBytes: 0 })).toEqual(r);
        const withIo = { ...DEFAULT_DECODE_OPTIONS, includeInputsOutputs: true };
        expect(decodeV1(v1Bytes, { ...withIo, streamAboveBytes: 0 })).toEqual(decodeV1(v1Bytes, withIo));
    });

    it("inputs and outputs are left out by default, and kept as {name: value} with secrets redacted when enabled", () => {
        expect(r.actions.every((a) => a.inputsJson === null && a.outputsJson === null)).toBe(true);
        const withIo = ok(decodeV1(v1Bytes, { ...DEFAULT_DECODE_OPTIONS, includeInputsOutputs: true }));
        expect(JSON.parse(withIo.actions[1].inputsJson!)).toEqual({ url: "https://erp.contoso.example/login" });
        expect(JSON.parse(withIo.actions[1].outputsJson!)).toEqual({ browser: "Browser" });
        // the variable is called UserPassword: its value is not stored
        expect(JSON.parse(withIo.actions[2].inputsJson!)).toEqual({ textToFill: "***", uiElement: "Button 'Sign in'" });
        expect(JSON.parse(withIo.actions[8].inputsJson!)).toEqual({ apiKey: "***" });
        expect(withIo.actions[4].inputsJson).toBe("{}");
        const doc = JSON.parse(v1Bytes.toString("utf8")) as { actions: Array<{ inputs: Record<string, { value: unknown }> }> };
        doc.actions[4].inputs = { fileContents: { value: "x".repeat(300 * 1024) }, window: { value: { title: "SAP", handle: "y".repeat(10_000) } } };
        const big = ok(decodeV1(Buffer.from(JSON.stringify(doc)), { ...DEFAULT_DECODE_OPTIONS, includeInputsOutputs: true, maxValueChars: 100 }));
        expect(JSON.parse(big.actions[4].inputsJson!)).toEqual({
            fileContents: `${"x".repeat(100)}… [307200 chars]`,
            window: `${JSON.stringify({ title: "SAP", handle: "y".repeat(10_000) }).slice(0, 100)}… [10027 chars of JSON]`,
        });
        const custom = ok(decodeV1(v1Bytes, { ...DEFAULT_DECODE_OPTIONS, includeInputsOutputs: true, redact: ["url"] }));
        expect(JSON.parse(custom.actions[1].inputsJson!)).toEqual({ url: "***" });
    });
});

describe("real V2 shape", () => {
    const r = ok(decodeV2(v2Rows));

    it("orders rows by logindex, not by how the server listed them nor by their shared createdon", () => {
        expect(new Set(v2Rows.map((x) => x.createdon)).size).toBe(1);
        expect(v2Rows.map((x) => x.logindex).filter((x) => x !== null)).not.toEqual([...Array(11).keys()]);
        expect(structure(r.actions)).toEqual(EXPECTED_STRUCTURE);
        expect(r.actions.map((a) => a.actionIndex)).toEqual([1, 1, 2, 2, 3, 3, 5, 6, 7, 8, 9]);
    });

    it("gives the same rows as the V1 document except where the row's own duration completes an unknown end", () => {
        const v1 = ok(decodeV1(v1Bytes));
        const strip = (a: ActionRecord) => ({ ...a, level: null });
        expect(r.actions.slice(0, 10).map(strip)).toEqual(v1.actions.slice(0, 10).map(strip));
        expect(r.actions[10]).toMatchObject({ startedOn: at("00:08.000"), durationMs: 1500, endedOn: at("00:09.500") });
        expect(r.actions[5].level).toBe("Error");
    });

    it("logindex wins over start time, and start to 100 ns decides when no logindex is given", () => {
        const row = (logindex: number | null, name: string, start: string, id: string) => ({
            flowlogid: id, logindex, type: 100000001, createdon: "2026-11-05T08:00:09Z",
            data: JSON.stringify({ name, startTime: start, endTime: start, functionName: "main" }),
        });
        const byIndex = ok(decodeV2([row(1, "B", "2026-11-05T08:00:00.1200001Z", "a"), row(0, "A", "2026-11-05T08:00:00.1200009Z", "b")]));
        expect(byIndex.actions.map((a) => a.actionName)).toEqual(["A", "B"]);
        const byStart = ok(decodeV2([row(null, "later", "2026-11-05T08:00:00.1200009Z", "a"), row(null, "earlier", "2026-11-05T08:00:00.1200001Z", "b")]));
        expect(byStart.actions.map((a) => a.actionName)).toEqual(["earlier", "later"]);
    });
});
