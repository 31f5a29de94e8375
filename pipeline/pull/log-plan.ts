import type { Row } from "../store/raw-store.js";

/** organization row -> what logs the environment keeps (docs/pull.md). */
export interface LogSettings {
    /** 0 V1 file, 1 V2 flowlog, 2 both */
    version: number;
    /** 0 Enabled, 1 OnFailure, 2 Disabled */
    status: number;
    ttlMinutes: number;
}

export function logSettingsOf(org: Row | undefined): LogSettings {
    const num = (v: unknown, fallback: number): number => (typeof v === "number" ? v : fallback);
    return {
        version: num(org?.desktopflowrunactionlogversion, 0),
        status: num(org?.desktopflowrunactionlogsstatus, 0),
        ttlMinutes: num(org?.flowlogsttlinminutes, 0),
    };
}

const TERMINAL_STATUS = new Set([4, 5, 7, 8, 9, 10, 11, 12, 13, 14]);

export function isFinished(run: Row): boolean {
    return (run.completedon !== null && run.completedon !== undefined) || TERMINAL_STATUS.has(run.statuscode as number);
}

/**
 * Which logs to ask for. OnFailure environments only keep logs of failed runs, but asking costs one request
 * and an absent log is recorded as such, so the status is not second-guessed here: only Disabled skips.
 */
export function logPlan(settings: LogSettings, run: Row): { v1: boolean; v2: boolean } {
    if (settings.status === 2 || !isFinished(run)) return { v1: false, v2: false };
    return {
        v1: settings.version === 0 || settings.version === 2,
        // V2 rows exist only for runs started from a cloud flow (triggertype 0 ApiFlow).
        v2: (settings.version === 1 || settings.version === 2) && run.triggertype === 0,
    };
}

/** Warnings about losing V2 rows to the flowlog TTL between two scheduled pulls. */
export function ttlWarnings(env: string, settings: LogSettings, scheduleMinutes: number, lastPullCompletedAt: string | undefined, now = Date.now()): string[] {
    if (settings.version === 0 || settings.status === 2 || settings.ttlMinutes <= 0) return [];
    const warnings: string[] = [];
    if (scheduleMinutes * 2 > settings.ttlMinutes) {
        warnings.push(`${env}: flowlog rows expire after ${settings.ttlMinutes} min but pull runs every ${scheduleMinutes} min — schedule pull at least every ${Math.floor(settings.ttlMinutes / 2)} min or raise flowlogsttlinminutes`);
    }
    if (lastPullCompletedAt) {
        const gap = (now - Date.parse(lastPullCompletedAt)) / 60_000;
        if (gap > settings.ttlMinutes) warnings.push(`${env}: last pull was ${Math.round(gap)} min ago, longer than the flowlog TTL (${settings.ttlMinutes} min): V2 rows of runs in between may be lost`);
    }
    return warnings;
}
