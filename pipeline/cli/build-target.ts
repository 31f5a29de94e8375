import { readFile } from "node:fs/promises";
import path from "node:path";
import { decodeOptionsOf, parseConfig } from "../config/config.js";
import type { DecodeOptions } from "../decode/action-record.js";
import { ExitCode, UserError } from "./exit-codes.js";

export interface BuildTarget {
    out: string;
    urls: Record<string, string>;
    timeZones?: Record<string, string>;
    decode?: DecodeOptions;
    compression?: "zstd" | "snappy";
    /** The config file the settings came from, when there was one. */
    configFile?: string;
}

/**
 * Where to build and with which settings, without credentials: the build makes no request, so a
 * secret that is only set for the scheduled pull's account (env:VAR) must not stop a rebuild on
 * another machine. The config is validated as usual, with each environment's credential replaced by
 * one that needs nothing (device code, never used here). --out wins over the config's "out"; with
 * --out no config is needed at all.
 */
export async function buildTarget(configFile: string, outFlag: string | undefined): Promise<BuildTarget> {
    const text = await readFile(configFile, "utf8").catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return null;
        throw new UserError(`config: cannot read ${configFile}: ${error.code ?? error.message}`, ExitCode.Usage);
    });
    if (text === null) {
        if (outFlag) return { out: path.resolve(outFlag), urls: {} };
        throw new UserError(`build: no ${configFile}; give --out <dir> (the folder holding raw/) or --config <file>`, ExitCode.Usage);
    }
    let data: unknown;
    try {
        data = JSON.parse(text.replace(/^\uFEFF/, ""));
    } catch (error) {
        throw new UserError(`config: ${configFile} is not valid JSON: ${(error as Error).message}`, ExitCode.Usage);
    }
    const config = parseConfig(withoutCredentials(data), path.dirname(path.resolve(configFile)));
    const out = outFlag ? path.resolve(outFlag) : config.out;
    return {
        out,
        urls: Object.fromEntries(config.environments.map((e) => [e.name, e.url])),
        timeZones: Object.fromEntries(config.environments.map((e) => [e.name, e.timeZone])),
        decode: decodeOptionsOf(config.logs),
        compression: config.compression,
        configFile: path.resolve(configFile),
    };
}

/** A copy of the parsed config without a proxy, whose environments sign in by device code: nothing to resolve or read. */
function withoutCredentials(data: unknown): unknown {
    if (!data || typeof data !== "object" || !Array.isArray((data as { environments?: unknown }).environments)) return data;
    // The proxy is for requests, and its password may be an env:VAR only the pull's account has.
    const { proxy: _proxy, ...config } = data as { environments: unknown[]; proxy?: unknown };
    return {
        ...config,
        environments: config.environments.map((e) => {
            if (!e || typeof e !== "object") return e;
            const { clientSecret: _s, certificate: _c, auth: _a, ...rest } = e as Record<string, unknown>;
            return { ...rest, auth: "deviceCode" };
        }),
    };
}
