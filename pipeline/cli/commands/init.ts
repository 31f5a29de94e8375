import type { Command } from "commander";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { packageRoot } from "../version.js";
import { ExitCode, UserError } from "../exit-codes.js";
import { globalOptions } from "../global-options.js";
import { finish } from "../outcome.js";
import { terminal } from "../../ui/terminal.js";

/**
 * The example config. JSON has no comments, so keys starting with "//" carry them: the schema ignores
 * such keys, so the file stays valid JSON that any editor and `padlens pull` read as is.
 */
export const EXAMPLE_CONFIG = {
    "//": "padlens configuration. Keys starting with // are comments. Docs: docs/pull.md",
    out: "data",
    "// authorityHost": "Entra ID host: public cloud by default; e.g. https://login.microsoftonline.us for US Gov",
    authorityHost: "https://login.microsoftonline.com",
    "// concurrency": "max concurrent requests per environment (adapts down on 429); Dataverse allows 52",
    concurrency: 8,
    envConcurrency: 3,
    pageSize: 1000,
    "// overlapMinutes": "each pull re-lists runs modified this long before the last watermark (late commits)",
    overlapMinutes: 15,
    "// scheduleMinutes": "how often you schedule `padlens pull`: used to warn when V2 logs could expire in between",
    scheduleMinutes: 60,
    logs: {
        "// includeInputsOutputs": "store action inputs/outputs (actions.inputs_json/outputs_json); off by default: they can hold customer data",
        includeInputsOutputs: false,
        "// redact": "values whose input/output name, variable or label contains one of these are stored as ***",
        redact: ["password", "secret", "token", "credential", "key"],
        "// maxLogMegabytes": "a log larger than this once decompressed is quarantined instead of decoded",
        maxLogMegabytes: 512,
    },
    environments: [
        {
            "//": "client secret read from an environment variable (never put the secret itself in this file)",
            name: "prod",
            url: "https://contoso.crm4.dynamics.com",
            tenantId: "00000000-0000-0000-0000-000000000000",
            clientId: "00000000-0000-0000-0000-000000000000",
            clientSecret: "env:PADLENS_PROD_SECRET",
            "// timeZone": "IANA time zone of this environment's bots: local hour/date columns and the report's Date table use it (default UTC)",
            timeZone: "Europe/Berlin",
        },
        {
            "//": "certificate: PEM file holding the private key (and certificate), thumbprint as shown in the app registration",
            name: "test",
            url: "https://contoso-test.crm4.dynamics.com",
            tenantId: "00000000-0000-0000-0000-000000000000",
            clientId: "00000000-0000-0000-0000-000000000000",
            certificate: { path: "certs/padlens.pem", thumbprint: "0123456789ABCDEF0123456789ABCDEF01234567" },
        },
        {
            "//": "interactive sign-in with a device code (prints a code to enter at the sign-in page)",
            name: "dev",
            url: "https://contoso-dev.crm4.dynamics.com",
            tenantId: "00000000-0000-0000-0000-000000000000",
            clientId: "00000000-0000-0000-0000-000000000000",
            auth: "deviceCode",
        },
    ],
};

/**
 * The config's JSON Schema as shipped in this package, as a file URL: the config lives in the user's own
 * folder (C:\padlens) and the package wherever npm put it, so a relative path would not reach it. VS Code
 * and other editors resolve file URLs in "$schema". Undefined if the file is missing (a stripped install).
 */
export function configSchemaUrl(): string | undefined {
    const file = path.join(packageRoot(), "docs", "schemas", "padlens.config.schema.json");
    return existsSync(file) ? pathToFileURL(file).href : undefined;
}

export function registerInit(program: Command): void {
    program
        .command("init")
        .description("write an example padlens.config.json (valid JSON; \"//\" keys are comments)")
        .option("--force", "overwrite an existing file", false)
        .action(async (opts: { force: boolean }, command: Command) => {
            const global = globalOptions(command);
            const file = global.config;
            if (existsSync(file) && !opts.force) throw new UserError(`${file} already exists (use --force to overwrite)`, ExitCode.Usage);
            const schema = configSchemaUrl();
            await writeFile(file, `${JSON.stringify(schema ? { $schema: schema, ...EXAMPLE_CONFIG } : EXAMPLE_CONFIG, null, 2)}\n`);
            if (!global.json) {
                terminal.out(`wrote ${file}: edit the environments, then run \`padlens doctor\`\n`);
                if (schema) terminal.out(`its "$schema" is ${schema}: editors such as VS Code complete and check the keys\n`);
            }
            finish({ command: "init", exitCode: ExitCode.Ok, data: { file: path.resolve(file), ...(schema ? { schema } : {}) } }, global);
        });
}
