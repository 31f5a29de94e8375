/**
 * Validates the JSON files of a Power BI Project (PBIP) against Microsoft's published JSON schemas, offline: the
 * schemas are vendored in report/schemas (README there says where from) and loaded into ajv under their own $ids, so
 * each file's `$schema` URL and every relative `$ref` between the schemas resolve locally, never over the network.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { reportSourceDir } from "./report-dir.js";

export const SCHEMAS_DIR = path.join(reportSourceDir(), "schemas");

/**
 * JSON files of a project that have no Microsoft schema, and how they are checked instead: the base theme (a
 * Power BI theme file, read back in the tests) and a private custom visual's package, copied byte for byte from
 * the .pbiviz (compared with it in the tests).
 */
const NO_SCHEMA = [/(^|\/)StaticResources\//, /(^|\/)CustomVisuals\//];

const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        return e.isDirectory() ? walk(full) : [full];
    });

let ajv: Ajv | undefined;

/** One ajv instance with every vendored schema registered under its $id. */
export function schemaValidator(): Ajv {
    if (ajv) return ajv;
    // strict off: Microsoft's schemas use annotations ajv's strict mode does not know; validation itself is unchanged.
    ajv = new Ajv({ strict: false, allErrors: true });
    for (const file of walk(SCHEMAS_DIR).filter((f) => f.endsWith(".json"))) {
        ajv.addSchema(JSON.parse(readFileSync(file, "utf8")) as object);
    }
    return ajv;
}

/** The project files a schema check covers: .pbip, .pbir, .pbism, .platform and every .json, except NO_SCHEMA. */
export function pbipJsonFiles(projectDir: string): string[] {
    return walk(projectDir)
        .filter((f) => /\.(pbip|pbir|pbism|json)$/.test(f) || path.basename(f) === ".platform")
        .filter((f) => !path.relative(projectDir, f).split(path.sep).includes("schemas"))
        .filter((f) => !NO_SCHEMA.some((re) => re.test(path.relative(projectDir, f).split(path.sep).join("/"))))
        .sort();
}

export interface SchemaProblem {
    /** Path relative to the project folder, with forward slashes. */
    file: string;
    problem: string;
}

const describe = (e: ErrorObject): string => `${e.instancePath || "/"} ${e.message ?? e.keyword}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ""}`;

/** Validates one parsed file; returns its problems (empty when valid). */
export function validatePbipJson(file: string, value: unknown): SchemaProblem[] {
    const schemaUrl = typeof value === "object" && value !== null ? (value as { $schema?: unknown }).$schema : undefined;
    if (typeof schemaUrl !== "string") return [{ file, problem: "no $schema" }];
    const validate = schemaValidator().getSchema(schemaUrl);
    if (!validate) return [{ file, problem: `$schema ${schemaUrl} is not vendored in report/schemas` }];
    if (validate(value)) return [];
    // A oneOf/anyOf failure reports every branch; the first few say enough.
    return (validate.errors ?? []).slice(0, 8).map((e) => ({ file, problem: describe(e) }));
}

/** Every schema problem of the PBIP project under projectDir (the folder holding the .pbip); empty when all valid. */
export function validatePbipProject(projectDir: string): SchemaProblem[] {
    const problems: SchemaProblem[] = [];
    for (const full of pbipJsonFiles(projectDir)) {
        const file = path.relative(projectDir, full).split(path.sep).join("/");
        let value: unknown;
        try {
            value = JSON.parse(readFileSync(full, "utf8"));
        } catch (e) {
            problems.push({ file, problem: `not JSON: ${(e as Error).message}` });
            continue;
        }
        problems.push(...validatePbipJson(file, value));
    }
    return problems;
}
