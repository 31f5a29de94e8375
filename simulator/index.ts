/** The simulator as a library (tests, the demo): the server and its CA; the sample generator lives in ./sample. */
export { startSimulator, FAULT_PROFILES, DATAVERSE_LIMITS } from "./server/index.js";
export type { SimulatorHandle, SimulatorOptions, SimulatedEnvironment, LoggedRequest, FaultProfileName, ServiceLimits } from "./server/index.js";
export { ensureCertificateAuthority, issueServerCertificate } from "./ca/index.js";
export type * from "./sample/model.js";
