// The writer lives with the sample generator (the benchmark uses it too); tests keep this name.
export { writeSampleToRawStore as rawStoreFromSample } from "../../simulator/sample/raw-store-writer.js";
