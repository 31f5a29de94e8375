import { DEFAULT_MAX_LOG_BYTES, DEFAULT_MAX_VALUE_CHARS, DEFAULT_REDACT, type DecodeOptions } from "../decode/action-record.js";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { UserError, ExitCode } from "../cli/exit-codes.js";
import { ProxyConfigError, parseNoProxy, parseProxyUrl, type ProxySetting } from "../extract/proxy.js";
import { registerSecret } from "../extract/secrets.js";
import { CONFIG_SCHEMA, KEY_HINTS } from "./schema.js";
import { DEFAULT_CLOSED_AFTER_DAYS, DEFAULT_PACK_AFTER_HOURS } from "../store/compact.js";

export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";

export type Credential =
    | { kind: "secret"; secret: string }
    /** PEM or PKCS#12 (.pfx/.p12); thumbprint computed from the file when absent; password already resolved from env:VAR. */
    | { kind: "certificate"; path: string; thumbprint?: string; password?: string }
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
    /**
     * The config's top-level `proxy`, copied here so everything that talks to this environment (token
     * source and Web API client, extract/network.ts) takes the same route. Absent: environment variables.
     */
    proxy?: ProxySetting;
    /** The config's requestTimeoutSeconds, also for token requests (msal-node has no timeout on POSTs). */
    requestTimeoutMs?: number;
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
    /** How requests reach the internet (docs/pull.md, "Behind a proxy"). */
    proxy: ProxySetting;
    /** Parquet compression of every table (docs/data-contract.md, "Compression"). */
    compression: "zstd" | "snappy";
    logs: LogsConfig;
    /** Packing of closed months in the raw store (docs/raw-store.md, "Packs"). */
    rawStore: RawStoreConfig;
    environments: EnvironmentConfig[];
}

export interface RawStoreConfig {
    /** Pack closed months at the end of each environment's pull. */
    compact: boolean;
    /** A month is closed once it ended this many days ago. */
    closedAfterDays: number;
    /** Finished runs of the open month are packed once not re-pulled for this many hours. */
    packAfterHours: number;
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
    certificate?: { path: string; thumbprint?: string; password?: string };
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
    // Nested keys that share a name with another key (proxy.url vs environments[].url) are looked up by path first.
    const hint = KEY_HINTS[keyPath(error.instancePath)] ?? KEY_HINTS[last];
    return `${keyPath(error.instancePath)}: ${hint ?? error.message ?? "is invalid"}`;
}

/** Validates a parsed config and resolves env:VAR secrets. Throws UserError naming the bad key. */
export function parseConfig(data: unknown, baseDir: string, env: NodeJS.ProcessEnv = process.env): PadlensConfig {
    if (!validate(data)) throw new UserError(`config: ${describe(validate.errors![0])}`, ExitCode.Usage);
    const raw = data as Record<string, unknown> & { environments: RawEnvironment[] };
    const seen = new Set<string>();
    const proxy = proxyOf(raw.proxy, env);
    const requestTimeoutSeconds = (raw.requestTimeoutSeconds as number | undefined) ?? 120;
    const environments = raw.environments.map((e, i): EnvironmentConfig => {
        const at = `environments[${i}]`;
        if (seen.has(e.name)) throw new UserError(`config: ${at}.name: "${e.name}" is used twice`, ExitCode.Usage);
        seen.add(e.name);
        const timeZone = e.timeZone ?? "UTC";
        if (!isTimeZone(timeZone)) throw new UserError(`config: ${at}.timeZone: "${timeZone}" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)`, ExitCode.Usage);
        return {
            name: e.name, url: e.url.replace(/\/+$/, ""), tenantId: e.tenantId, clientId: e.clientId, credential: credentialOf(e, at, baseDir, env), timeZone,
            proxy, requestTimeoutMs: requestTimeoutSeconds * 1000,
        };
    });
    const logs = (raw.logs ?? {}) as Partial<LogsConfig>;
    const rawStore = (raw.rawStore ?? {}) as Partial<RawStoreConfig>;
    return {
        out: path.resolve(baseDir, (raw.out as string | undefined) ?? "data"),
        authorityHost: ((raw.authorityHost as string | undefined) ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, ""),
        concurrency: (raw.concurrency as number | undefined) ?? 8,
        envConcurrency: (raw.envConcurrency as number | undefined) ?? 3,
        pageSize: (raw.pageSize as number | undefined) ?? 1000,
        overlapMinutes: (raw.overlapMinutes as number | undefined) ?? 15,
        scheduleMinutes: (raw.scheduleMinutes as number | undefined) ?? 60,
        requestTimeoutSeconds,
        proxy,
        compression: (raw.compression as "zstd" | "snappy" | undefined) ?? "zstd",
        logs: {
            includeInputsOutputs: logs.includeInputsOutputs ?? false,
            redact: logs.redact ?? [...DEFAULT_REDACT],
            maxLogMegabytes: logs.maxLogMegabytes ?? DEFAULT_MAX_LOG_BYTES / 1024 / 1024,
            maxValueChars: logs.maxValueChars ?? DEFAULT_MAX_VALUE_CHARS,
        },
        rawStore: {
            compact: rawStore.compact ?? true,
            closedAfterDays: rawStore.closedAfterDays ?? DEFAULT_CLOSED_AFTER_DAYS,
            packAfterHours: rawStore.packAfterHours ?? DEFAULT_PACK_AFTER_HOURS,
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
    if (e.certificate) {
        const password = e.certificate.password === undefined ? undefined : fromEnv(e.certificate.password, `${at}.certificate.password`, env);
        registerSecret(password);
        return {
            kind: "certificate", path: path.resolve(baseDir, e.certificate.path),
            ...(e.certificate.thumbprint ? { thumbprint: e.certificate.thumbprint.replace(/:/g, "") } : {}),
            ...(password !== undefined ? { password } : {}),
        };
    }
    const secret = fromEnv(e.clientSecret!, `${at}.clientSecret`, env);
    registerSecret(secret);
    return { kind: "secret", secret };
}

/** `env:VAR` reads the variable (so secrets stay out of the file); anything else is the value itself. */
function fromEnv(value: string, at: string, env: NodeJS.ProcessEnv): string {
    if (!value.startsWith("env:")) return value;
    const name = value.slice(4);
    const resolved = env[name];
    if (!resolved) throw new UserError(`config: ${at}: environment variable ${name} is not set`, ExitCode.Usage);
    return resolved;
}

interface RawProxy {
    url: string;
    username?: string;
    password?: string;
    noProxy?: string | string[];
}

/** The `proxy` key: absent (environment variables), false (always direct), a URL, or {url, username, password, noProxy}. */
function proxyOf(raw: unknown, env: NodeJS.ProcessEnv): ProxySetting {
    if (raw === undefined) return { kind: "env" };
    if (raw === false) return { kind: "none" };
    const given: RawProxy = typeof raw === "string" ? { url: raw } : (raw as RawProxy);
    const at = typeof raw === "string" ? "proxy" : "proxy.url";
    const url = fromEnv(given.url, at, env);
    const username = given.username === undefined ? undefined : fromEnv(given.username, "proxy.username", env);
    const password = given.password === undefined ? undefined : fromEnv(given.password, "proxy.password", env);
    registerSecret(password);
    try {
        // Parsed now so a typo is a config error (exit 2) rather than a failed pull; this also registers any
        // credentials in the URL with the scrubber before anything can print them.
        parseProxyUrl(url, at, { username, password });
    } catch (error) {
        if (error instanceof ProxyConfigError) throw new UserError(`config: ${error.message}`, ExitCode.Usage);
        throw error;
    }
    const noProxy = given.noProxy === undefined ? undefined : parseNoProxy(given.noProxy).map((r) => r.text);
    return { kind: "url", url, ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}), ...(noProxy ? { noProxy } : {}) };
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
