import path from "node:path";
import { ensureCertificateAuthority } from "../../simulator/ca/index.js";

/**
 * Vitest global setup: one CA for the whole run, under test-output/ca, trusted by every test worker.
 * Node reads NODE_EXTRA_CA_CERTS only when a process starts, so it must be in the environment before
 * the workers are forked: global setup runs in the main process first, and forked workers inherit
 * process.env (test/simulator/server/tls-trust.test.ts proves it with a plain fetch).
 */
export default function setup(): void {
    const ca = ensureCertificateAuthority(path.resolve("test-output", "ca"));
    process.env.NODE_EXTRA_CA_CERTS = ca.caFile;
    process.env.PADLENS_TEST_CA_DIR = path.dirname(ca.caFile);
}
