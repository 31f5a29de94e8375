import { describe, expect, it } from "vitest";
import { generateActions, type ActionRecord, type RunOutcome } from "../../../simulator/sample/actions.js";
import { ENV_VARIANTS } from "../../../simulator/sample/catalog.js";
import { rngFor } from "../../../simulator/sample/prng.js";
import { realLog, realV1Document, UNTERMINATED_FORMS } from "../../../simulator/sample/real-shape.js";
import { buildV1Document } from "../../../simulator/sample/v1-document.js";
import { flattenDocument } from "./reference-decode.js";

const flows = ENV_VARIANTS.flatMap((v) => v.flows).filter((f) => f.statecode === 1);
const OUTCOMES: RunOutcome[] = ["succeeded", "failed-action", "cancelled", "timedout"];

/** The generator's structural parent, lifted over Ifs: in the real shape an If body belongs to what encloses the If. */
function liftedParent(records: ActionRecord[], i: number): number | null {
    let p = records[i].parentSeq;
    while (p !== null && records[p].kind === "if") p = records[p].parentSeq;
    return p;
}

function runs(style: "real" | "logs"): Array<{ records: ActionRecord[]; outcome: RunOutcome; n: number }> {
    const out: Array<{ records: ActionRecord[]; outcome: RunOutcome; n: number }> = [];
    let n = 0;
    for (const flow of flows) {
        for (const outcome of OUTCOMES) {
            for (let k = 0; k < 6; k++) {
                const plan = { flow, machineName: "RPA-VM-01", speed: 1, startedMs: Date.UTC(2026, 10, 2, 9, 0, 0), outcome, large: false, slowdowns: [], style, handledFailure: true };
                out.push({ records: generateActions(plan, rngFor(5, flow.name, outcome, k)), outcome, n: n++ });
            }
        }
    }
    return out;
}

describe("what the spans show is the generator's structure", () => {
    it("real shape: the span-derived parent of every action is its structural parent, lifted over Ifs", () => {
        let lifted = 0;
        for (const { records, outcome, n } of runs("real")) {
            const unterminated = outcome === "cancelled" ? UNTERMINATED_FORMS[n % UNTERMINATED_FORMS.length] : null;
            const decoded = flattenDocument(realV1Document(realLog(records, unterminated, rngFor(5, "real", n))));
            expect(decoded.length).toBe(records.length);
            decoded.forEach((a, i) => {
                expect(a.parent, `${n}: action ${i} ${a.name}`).toBe(liftedParent(records, i));
                if (records[i].parentSeq !== a.parent) lifted++;
                expect(a.systemName).toBe(records[i].systemName);
                expect(a.subflow).toBe(records[i].subflow === "Main" ? "main" : records[i].subflow);
            });
        }
        // Bodies of taken Ifs were lifted.
        expect(lifted).toBeGreaterThan(10);
    });

    it("flat alias list: the spans show the structure as generated (an alias-style If encloses its body)", () => {
        for (const { records, n } of runs("logs")) {
            const decoded = flattenDocument(buildV1Document("logs", "run", records));
            decoded.forEach((a, i) => expect(a.parent, `${n}: action ${i} ${a.name}`).toBe(records[i].parentSeq));
        }
    });

    it("nested alias documents nest as generated", () => {
        for (const { records } of runs("logs").slice(0, 40)) {
            for (const style of ["actions", "Actions", "actionLogs"] as const) {
                const decoded = flattenDocument(buildV1Document(style, "run", records));
                expect(decoded.map((a) => a.parent)).toEqual(records.map((r) => r.parentSeq));
                expect(decoded.map((a) => a.depth)).toEqual(records.map((r) => r.depth));
            }
        }
    });
});
