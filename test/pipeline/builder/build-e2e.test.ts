import { describeBuildEndToEnd } from "./build-e2e-suite.js";
import { syntheticSample } from "./synthetic-sample.js";

describeBuildEndToEnd("synthetic dataset", () => syntheticSample());
