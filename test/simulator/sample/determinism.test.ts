import { describe, expect, it } from "vitest";
import { generateDataset } from "../../../simulator/sample/index.js";
import { datasetHash } from "./reference-decode.js";

const small = { days: 4, scale: 0.05, largeRuns: 0 };

describe("sample generator determinism", () => {
    it("gives byte-identical rows, logs and manifest for the same options", () => {
        const a = generateDataset({ ...small, seed: 7 });
        const b = generateDataset({ ...small, seed: 7 });
        expect(a.environments[0].flowsessions.length).toBeGreaterThan(0);
        expect(datasetHash(a)).toBe(datasetHash(b));
    });

    it("gives different data for a different seed", () => {
        const a = generateDataset({ ...small, seed: 7 });
        const b = generateDataset({ ...small, seed: 8 });
        expect(datasetHash(a)).not.toBe(datasetHash(b));
        const idsA = new Set(a.environments.flatMap((e) => e.flowsessions.map((r) => r.flowsessionid)));
        expect(b.environments.flatMap((e) => e.flowsessions).some((r) => idsA.has(r.flowsessionid))).toBe(false);
    });

    it("uses lowercase GUIDs for every id and distinct ids across environments", () => {
        const ds = generateDataset({ ...small, envs: 4 });
        const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
        const ids = ds.environments.flatMap((e) => [
            ...e.flowsessions.map((r) => String(r.flowsessionid)),
            ...e.workflows.map((r) => String(r.workflowid)),
            ...e.flowmachines.map((r) => String(r.flowmachineid)),
        ]);
        for (const id of ids) expect(id).toMatch(guid);
        expect(new Set(ids).size).toBe(ids.length);
        // A fourth environment cycles back to the first variant under a new name.
        expect(ds.environments.map((e) => e.name)).toEqual(["contoso-prod", "contoso-ops", "fabrikam-emea", "contoso-prod-2"]);
        expect(ds.environments[3].organization.desktopflowrunactionlogversion).toBe(0);
    });
});
