/**
 * The contract between the sample-data generator and the simulator's HTTP server.
 *
 * The generator produces rows shaped exactly as the Dataverse Web API returns them (column names of
 * docs/pull.md, lookups as `_x_value`, ISO-8601 UTC timestamps with a trailing `Z`), so the server
 * only filters, orders, pages and serialises. Action logs are produced lazily per run (deterministic
 * from the seed and the run id) so a 30-day dataset with 20,000-action runs does not sit in memory.
 */

/** A Dataverse row as returned by the Web API (before `$select`). */
export type DataverseRow = Record<string, string | number | boolean | null>;

export interface SampleOptions {
    /** PRNG seed: the same seed and options give byte-identical data. */
    seed: number;
    /** Number of environments (default 3: V1 only, V2 only, both). */
    envs: number;
    /** Days of run history ending at `endDate` (default 30). */
    days: number;
    /** Exclusive end of the history, ISO-8601 UTC (default a fixed date, for determinism). */
    endDate: string;
    /** Multiplies the number of runs per flow and day (default 1; tests use less). */
    scale: number;
    /** How many very large runs (20,000+ actions) to plant across the dataset (default 3). */
    largeRuns: number;
}

export type LogVersion = 0 | 1 | 2; // 0 V1 file, 1 V2 flowlog, 2 both (organization.desktopflowrunactionlogversion)
export type LogStatus = 0 | 1 | 2; // 0 Enabled, 1 OnFailure, 2 Disabled (organization.desktopflowrunactionlogsstatus)

/**
 * The shape of a run's logs. "real" is what Microsoft writes (V1: one flat `actions` list with
 * systemModuleName/insideErrorHandling/inputs/outputs; V2: the same per-action object in `data`, with
 * `logindex` and `duration` columns): the large majority of runs. The others are alias spellings of
 * the V1 document (with the legacy V2 `data` shape), kept as a minority so alias support stays
 * exercised. docs/sample-data.md shows each.
 */
export type DocStyle = "real" | "actions" | "Actions" | "actionLogs" | "logs";

/** How a run's V1 document is encoded on the wire (what the decoder must detect). */
export type V1Encoding = "json" | "json-bom" | "base64" | "gzip" | "gzip-base64";

/** The truth about one generated run, for tests to compare the product's output against. */
export interface ExpectedRun {
    runId: string;
    flowId: string;
    machineId: string | null;
    statusCode: number;
    /** Which log sources the simulator serves for this run. */
    v1: { encoding: V1Encoding; malformed?: string } | null;
    v2: boolean;
    /** The shape of the run's logs (V1 and V2 alike), when it has any. */
    style?: DocStyle;
    /** Number of actions in the run's log once flattened (0 when there is no log). */
    actions: number;
    /** Actions with status Failed outside error handling (the run's failure): 0 or 1. */
    failedActions: number;
    /** Actions with status Failed inside error handling (`insideErrorHandling: true`; real shape only): handled, the run went on. */
    handledFailures?: number;
}

/** A performance problem the generator planted on purpose; a good dashboard must surface it. */
export interface PlantedBottleneck {
    kind: "slow-on-machine" | "slow-at-peak";
    env: string;
    flowId: string;
    flowName: string;
    subflow: string;
    actionName: string;
    /** For slow-on-machine: the machine where the action is slow. */
    machineId?: string;
    machineName?: string;
    /** For slow-at-peak: the UTC hours where it is slow. */
    peakHoursUtc?: number[];
    /** How much slower than its normal median the action is where the bottleneck applies. */
    slowdownFactor: number;
}

export interface SampleManifest {
    seed: number;
    options: SampleOptions;
    environments: Array<{
        name: string;
        logVersion: LogVersion;
        logStatus: LogStatus;
        runs: number;
        actions: number;
        failedActions: number;
        handledFailures?: number;
    }>;
    bottlenecks: PlantedBottleneck[];
    /** Per environment name, per run id. */
    runs: Record<string, Record<string, ExpectedRun>>;
}

export interface SampleEnvironment {
    /** Short slug, used in URLs and as `env` in the output. */
    name: string;
    displayName: string;
    tenantId: string;
    clientId: string;
    clientSecret: string;
    organization: DataverseRow;
    workflows: DataverseRow[];
    flowmachinegroups: DataverseRow[];
    flowmachines: DataverseRow[];
    /** Ordered by createdon; the server may add rows (new runs) and mutate them (status changes). */
    flowsessions: DataverseRow[];
    /** Bytes of `flowsessions(<id>)/additionalcontext/$value`, or undefined when the run has no V1 log. */
    additionalContext(runId: string): Buffer | undefined;
    /** Rows of `flowsessions(<id>)/flowsession_flowlog_parentobjectid` (all types), or [] when none. */
    flowLogs(runId: string): DataverseRow[];
}

export interface SampleDataset {
    options: SampleOptions;
    environments: SampleEnvironment[];
    manifest: SampleManifest;
}
