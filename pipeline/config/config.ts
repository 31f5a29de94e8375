import { DEFAULT_MAX_LOG_BYTES, DEFAULT_MAX_VALUE_CHARS, DEFAULT_REDACT, type DecodeOptions } from "../decode/action-record.js";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { UserError, ExitCode } from "../cli/exit-codes.js";
import { registerSecret } from "../extract/secrets.js";
import { CONFIG_SCHEMA, KEY_HINTS } from "./schema.js";

export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";

export type Credential =
    | { kind: "secret"; secret: string }
    | { kind: "certificate"; path: string; thumbprint: string }
    | { kind: "deviceCode" };

export interface EnvironmentConfig {
    name: string;
    /** Environment URL without a trailing slash. */
    url: string;
    tenantId: string;
    clientId: string;
    credential: Credential;
    /** IANA time zone of the environment's bots, for the local-time columns (default UTC). */
    timeZone: string;
}

export interface PadlensConfig {
    /** Absolute output folder. */
    out: string;
    authorityHost: string;
    /** Maximum concurrent requests per environment (the adaptive limit ramps up to this). */
    concurrency: number;
    /** Environments pulled at the same time. */
    envConcurrency: number;
    pageSize: number;
    overlapMinutes: number;
    /** How often pull is scheduled: used to warn when V2 rows could expire between two pulls. */
    scheduleMinutes: number;
    requestTimeoutSeconds: number;
    logs: LogsConfig;
    environments: EnvironmentConfig[];
}

/** What the build keeps of action logs (docs/data-contract.md, "Inputs and outputs"). */
export interface LogsConfig {
    /** Keep action inputs/outputs as `{name: value}` JSON: off by default, they can hold customer data. */
    includeInputsOutputs: boolean;
    /** Name fragments (case-insensitive) whose values are stored as `***`. */
    redact: string[];
    /** Ceiling on one log's decompressed size; larger logs are quarantined. */
    maxLogMegabytes: number;
    /** Longest input/output value stored; longer ones are cut and their length said. */
    maxValueChars: number;
}

/** An IANA zone name the platform knows (the same tz database DuckDB's ICU uses for the local columns). */
export function isTimeZone(name: string): boolean {
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: name });
        return /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(name);
    } catch {
        return false;
    }
}

/** The decoder's options from the config's `logs`. */
export function decodeOptionsOf(logs: LogsConfig): DecodeOptions {
    return {
        includeInputsOutputs: logs.includeInputsOutputs,
        redact: logs.redact.map((r) => r.toLowerCase()),
        maxLogBytes: Math.round(logs.maxLogMegabytes * 1024 * 1024),
        maxValueChars: logs.maxValueChars,
    };
}

interface RawEnvironment {
    name: string;
    url: string;
    tenantId: string;
    clientId: string;
    clientSecret?: string;
    certificate?: { path: string; thumbprint: string };
    auth?: "deviceCode" | "clientSecret" | "certificate";
    timeZone?: string;
}

const ajv = new Ajv({ allErrors: false, strict: false });
const validate = ajv.compile(CONFIG_SCHEMA);

/** `/environments/1/clientSecret` -> `environments[1].clientSecret` */
export function keyPath(instancePath: string, extra?: string): string {
    const parts = instancePath.split("/").filter(Boolean);
    if (extra) parts.push(extra);
    return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), "") || "(top level)";
}

function describe(error: ErrorObject): string {
    if (error.keyword === "additionalProperties") {
        const key = String((error.params as { additionalProperty: string }).additionalProperty);
        return `${keyPath(error.instancePath, key)}: unknown key`;
    }
    if (error.keyword === "required") {
        const key = String((error.params as { missingProperty: string }).missingProperty);
        return `${keyPath(error.instancePath, key)}: is required`;
    }
    const last = error.instancePath.split("/").pop() ?? "";
    const hint = KEY_HINTS[last];
    return `${keyPath(error.instancePath)}: ${hint ?? error.message ?? "is invalid"}`;
}

/** Validates a parsed config and resolves env:VAR secrets. Throws UserError naming the bad key. */
export function parseConfig(data: unknown, baseDir: string, env: NodeJS.ProcessEnv = process.env): PadlensConfig {
    if (!validate(data)) throw new UserError(`config: ${describe(validate.errors![0])}`, ExitCode.Usage);
    const raw = data as Record<string, unknown> & { environments: RawEnvironment[] };
    const seen = new Set<string>();
    const environments = raw.environments.map((e, i): EnvironmentConfig => {
        const at = `environments[${i}]`;
        if (seen.has(e.name)) throw new UserError(`config: ${at}.name: "${e.name}" is used twice`, ExitCode.Usage);
        seen.add(e.name);
        const timeZone = e.timeZone ?? "UTC";
        if (!isTimeZone(timeZone)) throw new UserError(`config: ${at}.timeZone: "${timeZone}" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)`, ExitCode.Usage);
        return { name: e.name, url: e.url.replace(/\/+$/, ""), tenantId: e.tenantId, clientId: e.clientId, credential: credentialOf(e, at, baseDir, env), timeZone };
    });
    const logs = (raw.logs ?? {}) as Partial<LogsConfig>;
    return {
        out: path.resolve(baseDir, (raw.out as string | undefined) ?? "data"),
        authorityHost: ((raw.authorityHost as string | undefined) ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, ""),
        concurrency: (raw.concurrency as number | undefined) ?? 8,
        envConcurrency: (raw.envConcurrency as number | undefined) ?? 3,
        pageSize: (raw.pageSize as number | undefined) ?? 1000,
        overlapMinutes: (raw.overlapMinutes as number | undefined) ?? 15,
        scheduleMinutes: (raw.scheduleMinutes as number | undefined) ?? 60,
        requestTimeoutSeconds: (raw.requestTimeoutSeconds as number | undefined) ?? 120,
        logs: {
            includeInputsOutputs: logs.includeInputsOutputs ?? false,
            redact: logs.redact ?? [...DEFAULT_REDACT],
            maxLogMegabytes: logs.maxLogMegabytes ?? DEFAULT_MAX_LOG_BYTES / 1024 / 1024,
            maxValueChars: logs.maxValueChars ?? DEFAULT_MAX_VALUE_CHARS,
        },
        environments,
    };
}

function credentialOf(e: RawEnvironment, at: string, baseDir: string, env: NodeJS.ProcessEnv): Credential {
    const given = [e.clientSecret !== undefined && "clientSecret", e.certificate !== undefined && "certificate", e.auth === "deviceCode" && "auth"].filter(Boolean);
    if (given.length !== 1) {
        throw new UserError(`config: ${at}: give exactly one of clientSecret, certificate or "auth": "deviceCode"${given.length ? ` (found ${given.join(" and ")})` : ""}`, ExitCode.Usage);
    }
    if (e.auth === "deviceCode") return { kind: "deviceCode" };
    if (e.certificate) return { kind: "certificate", path: path.resolve(baseDir, e.certificate.path), thumbprint: e.certificate.thumbprint.replace(/:/g, "") };
    let secret = e.clientSecret!;
    if (secret.startsWith("env:")) {
        const name = secret.slice(4);
        const value = env[name];
        if (!value) throw new UserError(`config: ${at}.clientSecret: environment variable ${name} is not set`, ExitCode.Usage);
        secret = value;
    }
    registerSecret(secret);
    return { kind: "secret", secret };
}

export async function loadConfig(file: string, outOverride?: string): Promise<PadlensConfig> {
    const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
        const hint = error.code === "ENOENT" ? " (create one with `padlens init`)" : "";
        throw new UserError(`config: cannot read ${file}: ${error.code ?? error.message}${hint}`, ExitCode.Usage);
    });
    let data: unknown;
    try {
        data = JSON.parse(text.replace(/^\uFEFF/, ""));
    } catch (error) {
        throw new UserError(`config: ${file} is not valid JSON: ${(error as Error).message}`, ExitCode.Usage);
    }
    const config = parseConfig(data, path.dirname(path.resolve(file)));
    if (outOverride) config.out = path.resolve(outOverride);
    return config;
}
