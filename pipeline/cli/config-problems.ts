import { readFile } from "node:fs/promises";
import path from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { keyPath, parseConfig } from "../config/config.js";
import { CONFIG_SCHEMA, KEY_HINTS } from "../config/schema.js";
import { UserError } from "./exit-codes.js";

/** One thing wrong with the config: which environment (by name when it has a usable one) and what. */
export interface ConfigProblem {
    /** The environment's name, `environments[i]` when it has none, or "-" for a top-level key. */
    env: string;
    detail: string;
}

// allErrors: doctor lists every problem at once, so fixing a config is one round trip, not one per key.
const validateAll = new Ajv({ allErrors: true, strict: false }).compile(CONFIG_SCHEMA);

/**
 * Every problem of a config file, for `padlens doctor`: unreadable file or JSON, every schema error,
 * and the checks loadConfig makes after the schema (credentials, env:VAR secrets, time zones, proxy,
 * duplicate names), each environment on its own so that one bad environment does not hide the next.
 * Empty when the config loads.
 */
export async function configProblems(file: string, env: NodeJS.ProcessEnv = process.env): Promise<ConfigProblem[]> {
    let text: string;
    try {
        text = await readFile(file, "utf8");
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return [{ env: "-", detail: `cannot read ${file}: ${code ?? (error as Error).message}${code === "ENOENT" ? " (create one with `padlens init`)" : ""}` }];
    }
    let data: unknown;
    try {
        data = JSON.parse(text.replace(/^\uFEFF/, ""));
    } catch (error) {
        return [{ env: "-", detail: `${file} is not valid JSON: ${(error as Error).message}` }];
    }
    const baseDir = path.dirname(path.resolve(file));
    const environments = Array.isArray((data as { environments?: unknown })?.environments) ? (data as { environments: unknown[] }).environments : [];
    const nameOf = (e: unknown): string | undefined => {
        const name = (e as { name?: unknown } | null)?.name;
        return typeof name === "string" && /^[a-z0-9][a-z0-9_-]{0,39}$/.test(name) ? name : undefined;
    };
    // By name, which is what the user knows the environment by; by position when it has no usable or unique name.
    const labelOf = (i: number): string => {
        const name = nameOf(environments[i]);
        if (!name) return `environments[${i}]`;
        return environments.filter((e) => nameOf(e) === name).length > 1 ? `${name} (environments[${i}])` : name;
    };
    const problems: ConfigProblem[] = [];
    const schemaOk = validateAll(data);
    const byPath = new Map<string, ErrorObject>();
    for (const e of schemaOk ? [] : validateAll.errors ?? []) {
        // anyOf reports each alternative that failed, plus itself: one line per key is enough.
        const at = `${e.instancePath}|${e.keyword === "additionalProperties" || e.keyword === "required" ? JSON.stringify(e.params) : ""}`;
        if (!byPath.has(at) || e.keyword === "anyOf") byPath.set(at, e);
    }
    for (const e of byPath.values()) problems.push(schemaProblem(e, labelOf));
    const badEnvs = new Set(problems.filter((p) => p.env !== "-").map((p) => p.env));
    const topLevelOk = !problems.some((p) => p.env === "-");

    // What parseConfig checks after the schema, top level (proxy) first, then each environment alone.
    const top = data as Record<string, unknown>;
    if (topLevelOk && top && typeof top === "object") {
        const probe = { ...top, environments: [{ name: "probe", url: "https://probe.invalid", tenantId: "t", clientId: "c", auth: "deviceCode" }] };
        const p = parseProblem(probe, baseDir, env);
        if (p) problems.push({ env: "-", detail: p });
    }
    const seen = new Map<string, number>();
    environments.forEach((e, i) => {
        const label = labelOf(i);
        const name = nameOf(e);
        if (name !== undefined) {
            if (seen.has(name)) problems.push({ env: label, detail: `name "${name}" is also used by environments[${seen.get(name)}]` });
            else seen.set(name, i);
        }
        if (badEnvs.has(label) || !e || typeof e !== "object") return;
        const p = parseProblem({ environments: [e] }, baseDir, env);
        if (p) problems.push({ env: label, detail: p.replace(/^environments\[0\]\.?:?\s*/, "") });
    });
    return problems;
}

/** parseConfig's first complaint about `data`, without "config: ", or undefined when it parses. */
function parseProblem(data: unknown, baseDir: string, env: NodeJS.ProcessEnv): string | undefined {
    try {
        parseConfig(data, baseDir, env);
        return undefined;
    } catch (error) {
        if (!(error instanceof UserError)) return (error as Error).message;
        return error.message.replace(/^config: /, "");
    }
}

/** A schema error as `prod: clientSecret: must be a string or env:VAR`, or `concurrency: must be <= 52`. */
function schemaProblem(error: ErrorObject, labelOf: (i: number) => string): ConfigProblem {
    const extra = error.keyword === "additionalProperties" ? String((error.params as { additionalProperty: string }).additionalProperty)
        : error.keyword === "required" ? String((error.params as { missingProperty: string }).missingProperty) : undefined;
    const what = error.keyword === "additionalProperties" ? "unknown key" : error.keyword === "required" ? "is required" : undefined;
    const full = keyPath(error.instancePath, extra);
    const last = error.instancePath.split("/").pop() ?? "";
    const message = what ?? KEY_HINTS[keyPath(error.instancePath)] ?? KEY_HINTS[last] ?? error.message ?? "is invalid";
    const m = /^environments\[(\d+)\]\.?(.*)$/.exec(full);
    if (m) return { env: labelOf(Number(m[1])), detail: `${m[2] || "(the environment)"}: ${message}` };
    return { env: "-", detail: `${full}: ${message}` };
}
