import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TABLES, type TableDef } from "../../pipeline/load/schema.js";

/**
 * docs/data-contract.md's table section is generated from pipeline/load/schema.ts, so the contract users
 * read is the one the build writes. `PADLENS_WRITE_DOCS=1 npx vitest run test/docs` rewrites it.
 */
const file = path.join(import.meta.dirname, "../../docs/data-contract.md");
const START = "## Tables\n";
const END = "\n## Log shapes";

function tableSection(t: TableDef): string {
    const where = t.partitionBy.includes("month") ? `${t.name}/env=<env>/month=<YYYY-MM>/<day>-<generation>.parquet` : `${t.name}/env=<env>/<generation>.parquet`;
    const rows = t.columns.map((c) => `| \`${c.name}\` | ${c.type} | ${c.doc} |`);
    return [`### \`${t.name}\``, "", `Grain: ${t.key.join(", ")}. Files: \`${where}\` (the ones the manifests list: see Reading).`, "", "| column | type | meaning |", "|---|---|---|", ...rows, ""].join("\n");
}

export function generatedTables(): string {
    return `${START}\n${TABLES.map(tableSection).join("\n")}`;
}

describe("docs/data-contract.md", () => {
    it("lists every table and column of schema.ts with its type and meaning, as generated", () => {
        const doc = readFileSync(file, "utf8");
        const a = doc.indexOf(START);
        const b = doc.indexOf(END);
        expect(a, "the doc has a '## Tables' section").toBeGreaterThan(0);
        expect(b, "followed by '## Log shapes'").toBeGreaterThan(a);
        if (process.env.PADLENS_WRITE_DOCS) writeFileSync(file, doc.slice(0, a) + generatedTables() + doc.slice(b));
        expect(readFileSync(file, "utf8").slice(a, readFileSync(file, "utf8").indexOf(END))).toBe(generatedTables());
    });
});
