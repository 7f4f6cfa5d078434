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
export {
  CREATED_RESOURCE_KINDS,
  createdLine,
  describeCreated,
  parseCreatedLine,
  TaskCreationLog,
  type CreatedResource,
  type CreatedResourceKind,
  type TaskActionContext,
  type TaskCreationLogOptions,
} from './createdResources';
export {
  DEFAULT_WAIT_FOR_ENTITY_SECONDS,
  ENTITY_RETRY_INTERVAL_MS,
  MAX_WAIT_FOR_ENTITY_SECONDS,
  systemWaitClock,
  waitForEntity,
  waitForEntitySeconds,
  type EntityAttempt,
  type WaitClock,
} from './waitForEntity';
