import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * The config's "logFile" (relative to the config file's folder), read straight from the file rather
 * than through loadConfig: the log must be open before the config is validated, so that a scheduled
 * run whose config is broken (or whose env:VAR secret is not set for the task's account) still writes
 * why to its log. Anything unreadable here is left to the command, which reports it properly.
 */
export function logFileFromConfig(configFile: string): string | undefined {
    try {
        const data = JSON.parse(readFileSync(configFile, "utf8").replace(/^\uFEFF/, "")) as { logFile?: unknown };
        if (typeof data.logFile !== "string" || !data.logFile) return undefined;
        return path.resolve(path.dirname(path.resolve(configFile)), data.logFile);
    } catch {
        return undefined;
    }
}
