import type { JobObservation } from "../store/retention-jobs.js";
import type { ServerJob } from "./server-jobs.js";

/** A server job as the job record keeps it (what `retention status` last saw). */
export function observe(job: ServerJob, at: Date = new Date()): JobObservation {
    return {
        checkedAt: at.toISOString(),
        statecode: job.statecode,
        statuscode: job.statuscode,
        successCount: job.successCount,
        failureCount: job.failureCount,
        message: job.message,
        startedOn: job.startedOn,
        completedOn: job.completedOn,
    };
}
