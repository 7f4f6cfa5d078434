/**
 * What Comet's backend plugins share.
 *
 * @packageDocumentation
 */
export {
  catalogEntity,
  normalizedEntityRef,
  EntityAccess,
  type EntityAccessOptions,
  type EntityAccessRequest,
  type EntityDecisions,
  type EntityPermission,
} from './EntityAccess';
export { audited, type AuditedEvent } from './audited';
export { parseInput } from './parseInput';
export { selectInstance, type InstanceSelection } from './selectInstance';
export {
  ResourceScopes,
  RESOURCE_SCOPES_CONFIG_KEY,
  wildcardMatch,
  type ScopeFamily,
  type ScopedResource,
} from './ResourceScopes';
export {
  ExternalApiMetrics,
  EXTERNAL_LATENCY_BUCKETS,
  type ExternalCall,
  type ExternalErrorClass,
  type ExternalSystem,
} from './ExternalApiMetrics';
export {
  ENTITY_TAG_KEY,
  belongsTo,
  entityRefInput,
  taggedEntityRefs,
  withEntityTag,
} from './entityTag';
export { callerResourceFilter } from './callerResourceFilter';
