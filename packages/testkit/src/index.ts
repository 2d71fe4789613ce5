export {};
export * from './memory-backend.js';
export * from './client/index.js';
export { scenarios } from './suites/index.js';
export {
  SkipScenario, introspect, expectErrno, requireSupport, isUnsupported, makeFiles,
  assertNoDuplicates, assertEachOnce, assertSameSet, check, checkEqual, checkBytes,
  type Scenario, type ScenarioContext, type BackendIntrospection,
} from './suites/index.js';
export {
  runConformance, runScenario, selectScenarios, formatResult, formatSummary,
  type BackendFactory, type BackendFixture, type ConformanceOptions, type ConformanceReport, type ScenarioResult, type ScenarioStatus,
} from './conformance.js';
export { aloneWithMount, shellCommand } from './mount-isolation.js';
