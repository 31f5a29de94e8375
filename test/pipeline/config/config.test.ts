import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../pipeline/config/config.js";
import { EXAMPLE_CONFIG } from "../../../pipeline/cli/commands/init.js";

const env = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
    name: "prod", url: "https://contoso.crm4.dynamics.com/", tenantId: "t", clientId: "c", clientSecret: "s3cret-value", ...over,
});
const messageOf = (data: unknown, vars: NodeJS.ProcessEnv = {}): string => {
    try {
        parseConfig(data, "/base", vars);
    } catch (error) {
        return (error as Error).message;
    }
    return "no error";
};

describe("padlens.config.json", () => {
    it("applies the documented defaults and resolves the output folder against the config's folder", () => {
        const config = parseConfig({ environments: [env()] }, "/base");
        expect(config).toMatchObject({ out: "/base/data", authorityHost: "https://login.microsoftonline.com", concurrency: 8, pageSize: 1000, logs: { includeInputsOutputs: false } });
        expect(config.environments[0]).toMatchObject({ url: "https://contoso.crm4.dynamics.com", credential: { kind: "secret", secret: "s3cret-value" } });
    });

    it("names the bad key in every error", () => {
        expect(messageOf({ environments: [env(), env({ name: "test", clientSecret: 42 })] })).toBe("config: environments[1].clientSecret: must be a string or env:VAR");
        expect(messageOf({ environments: [env({ name: "Prod Env" })] })).toBe("config: environments[0].name: must be a short lowercase slug (a-z, 0-9, - or _)");
        expect(messageOf({ environments: [env({ tenant: "x" })] })).toBe("config: environments[0].tenant: unknown key");
        expect(messageOf({ environments: [env({ url: undefined })] })).toBe("config: environments[0].url: is required");
        expect(messageOf({ concurrency: 100, environments: [env()] })).toBe("config: concurrency: must be <= 52");
        expect(messageOf({ environments: [env(), env()] })).toBe('config: environments[1].name: "prod" is used twice');
        expect(messageOf({ environments: [env({ certificate: { path: "a.pem", thumbprint: "ab".repeat(20) } })] })).toBe(
            "config: environments[0]: give exactly one of clientSecret, certificate or \"auth\": \"deviceCode\" (found clientSecret and certificate)");
    });

    it("reads env:VAR secrets from the environment and says which variable is missing", () => {
        const config = parseConfig({ environments: [env({ clientSecret: "env:MY_SECRET" })] }, "/base", { MY_SECRET: "from-env" });
        expect(config.environments[0].credential).toEqual({ kind: "secret", secret: "from-env" });
        expect(messageOf({ environments: [env({ clientSecret: "env:MY_SECRET" })] })).toBe("config: environments[0].clientSecret: environment variable MY_SECRET is not set");
    });

    it("the example that `padlens init` writes is valid: // keys are comments, all three credential kinds parse", () => {
        const config = parseConfig(JSON.parse(JSON.stringify(EXAMPLE_CONFIG)), "/base", { PADLENS_PROD_SECRET: "x".repeat(10) });
        expect(config.environments.map((e) => e.credential.kind)).toEqual(["secret", "certificate", "deviceCode"]);
    });
});
