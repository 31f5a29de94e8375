import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VisualSettings } from "../../../visual/src/settings.js";
import { defaultStrings } from "../../../visual/src/defaultStrings.js";

interface Named { displayName?: string; displayNameKey?: string }
const capabilities = JSON.parse(readFileSync("capabilities.json", "utf8")) as {
    dataRoles: (Named & { name: string })[];
    objects: Record<string, Named & { properties: Record<string, Named> }>;
    dataViewMappings: { conditions: Record<string, { max: number }>[]; table: { rows: { select: { for: { in: string } }[]; dataReductionAlgorithm: { window: { count: number } } } } }[];
    privileges: unknown[];
};
const pbiviz = JSON.parse(readFileSync("pbiviz.json", "utf8")) as { stringResources: string[] };
const locales = pbiviz.stringResources.map((p) => JSON.parse(readFileSync(p, "utf8")) as { locale: string; values: Record<string, string> });

function named(): Named[] {
    const out: Named[] = [...capabilities.dataRoles];
    for (const o of Object.values(capabilities.objects)) out.push(o, ...Object.values(o.properties));
    return out;
}

describe("capabilities consistency", () => {
    it("ships en-US and at least one more locale with the same keys", () => {
        expect(locales.map((l) => l.locale)).toContain("en-US");
        expect(locales.length).toBeGreaterThanOrEqual(2);
        const en = locales.find((l) => l.locale === "en-US")!;
        expect(en.values).toEqual(defaultStrings);
        for (const l of locales) expect(Object.keys(l.values).sort()).toEqual(Object.keys(en.values).sort());
    });

    it("gives every displayName a displayNameKey that every locale translates", () => {
        for (const n of named()) {
            expect(n.displayNameKey, JSON.stringify(n)).toBeTruthy();
            for (const l of locales) expect(l.values[n.displayNameKey!], `${l.locale} ${n.displayNameKey}`).toBeTruthy();
        }
    });

    it("maps every formatting card and slice to capabilities objects, with translated names", () => {
        const settings = new VisualSettings();
        for (const card of settings.cards) {
            const object = capabilities.objects[card.name];
            expect(object, card.name).toBeDefined();
            for (const slice of card.slices ?? []) {
                const name = (slice as { name: string }).name;
                expect(object.properties[name], `${card.name}.${name}`).toBeDefined();
                for (const l of locales) expect(l.values[slice.displayNameKey!], `${l.locale} ${slice.displayNameKey}`).toBeTruthy();
                const items = (slice as { items?: { displayNameKey: string }[] }).items ?? [];
                for (const item of items) for (const l of locales) expect(l.values[item.displayNameKey], item.displayNameKey).toBeTruthy();
            }
            for (const l of locales) expect(l.values[card.displayNameKey!]).toBeTruthy();
        }
        expect(Object.keys(capabilities.objects).sort()).toEqual(settings.cards.map((c) => c.name).sort());
    });

    it("does not claim highlight support a table mapping never receives", () => {
        // Power BI sends highlights only with categorical mappings; for this table mapping another visual's
        // highlight arrives as a filter, and the visual shows the filtered rows.
        expect((capabilities as { supportsHighlight?: boolean }).supportsHighlight ?? false).toBe(false);
        expect(Object.keys(capabilities.dataViewMappings[0])).toEqual(["conditions", "table"]);
    });

    it("keeps the data window at 30,000 rows and asks for no privileges", () => {
        expect(capabilities.dataViewMappings[0].table.rows.dataReductionAlgorithm.window.count).toBe(30000);
        expect(capabilities.privileges).toEqual([]);
        expect(capabilities.dataRoles.map((r) => r.name)).toEqual(["run", "flow", "subflow", "action", "actionIndex", "machine", "start", "end", "durationMs", "status", "error", "module", "isContainer", "insideErrorHandling", "executions", "failures", "handledFailures", "totalMs", "p50Ms", "p95Ms", "tooltips"]);
    });

    it("selects every data role in the table mapping, each at most once, the optional contract fields included", () => {
        const mapping = capabilities.dataViewMappings[0];
        const names = capabilities.dataRoles.map((r) => r.name);
        expect(mapping.table.rows.select.map((s) => s.for.in)).toEqual(names);
        for (const name of names.filter((n) => n !== "tooltips")) expect(mapping.conditions[0][name], name).toEqual({ max: 1 });
        const kinds = Object.fromEntries(capabilities.dataRoles.map((r) => [r.name, (r as { kind?: string }).kind]));
        expect([kinds.module, kinds.isContainer, kinds.insideErrorHandling, kinds.handledFailures]).toEqual(["Grouping", "Grouping", "Grouping", "Measure"]);
    });
});
