// npm run test:fuzz: the decode fuzz test at full size (10,000 mutated logs; npm test runs a reduced set).
// Set here rather than as `VAR=x vitest` in package.json, which Windows' cmd does not understand.
import { startVitest } from "vitest/node";

process.env.PADLENS_FUZZ_COUNT ??= "10000";
const vitest = await startVitest("test", ["test/pipeline/decode/fuzz.test.ts"], { run: true, testTimeout: 900_000, hookTimeout: 900_000 });
await vitest?.close();
process.exitCode = vitest?.state.getCountOfFailedTests() ? 1 : process.exitCode;
