/**
 * The conformance suite: a map from scenario name to scenario. Names are
 * "<family>.<what>"; families: dir (directory iteration), ns (names), io
 * (file contents), attr/times (attributes), xattr, lookup/handles
 * (lifetimes), proto (hostile wire input), host (changes behind a
 * passthrough backend's back; skipped without a host root).
 */
import { attrScenarios } from './attrs.js';
import type { Scenario } from './context.js';
import { dirstreamScenarios } from './dirstream.js';
import { hostScenarios } from './host.js';
import { ioScenarios } from './io.js';
import { lifecycleScenarios } from './lifecycle.js';
import { namespaceScenarios } from './namespace.js';
import { protocolScenarios } from './protocol.js';
import { xattrScenarios } from './xattr.js';

/** Every scenario, by name. */
export const scenarios: Readonly<Record<string, Scenario>> = Object.freeze({
  ...dirstreamScenarios,
  ...namespaceScenarios,
  ...ioScenarios,
  ...attrScenarios,
  ...xattrScenarios,
  ...lifecycleScenarios,
  ...protocolScenarios,
  ...hostScenarios,
});

export {
  SkipScenario, introspect, expectErrno, requireSupport, isUnsupported, makeFiles,
  assertNoDuplicates, assertEachOnce, assertSameSet, check, checkEqual, checkBytes,
  type Scenario, type ScenarioContext, type BackendIntrospection,
} from './context.js';
