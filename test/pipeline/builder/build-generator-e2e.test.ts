import { generateDataset } from "../../../simulator/sample/index.js";
import { describeBuildEndToEnd } from "./build-e2e-suite.js";

// The generator's own dataset: three environments (V1 only, V2 only, both with logs on failure only),
// every V1 encoding and malformed kind, and planted bottlenecks (slow on a machine, slow at peak hours).
describeBuildEndToEnd("generated sample (days 3, scale 0.3)", () => generateDataset({ seed: 42, days: 3, scale: 0.3, largeRuns: 0 }));
