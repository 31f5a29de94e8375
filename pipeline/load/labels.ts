/** Labels for Dataverse option-set codes (docs/pull.md), so Power BI shows words without a lookup table. */
export const RUN_STATUS: Record<number, string> = {
    0: "NotSpecified", 1: "Paused", 2: "Running", 3: "Waiting", 4: "Succeeded", 5: "Skipped", 6: "Suspended", 7: "Cancelled",
    8: "Failed", 9: "Faulted", 10: "TimedOut", 11: "Aborted", 12: "Ignored", 13: "Deleted", 14: "Terminated",
};

export const UI_FLOW_TYPE: Record<number, string> = {
    0: "Windows recorder", 1: "Selenium IDE", 2: "Power Automate Desktop", 3: "Test", 101: "Recording",
};

/** Finished runs keep statecode 0: finished means completedon set or a terminal status. */
export function isFinished(statusCode: number | null, completedOn: unknown): boolean {
    return (typeof completedOn === "string" && completedOn !== "") || statusCode === 4 || statusCode === 5 || (statusCode !== null && statusCode >= 7 && statusCode <= 14);
}
