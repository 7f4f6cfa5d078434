/**
 * What Comet's backend plugins share.
 *
 * @packageDocumentation
 */
export { catalogEntity, requireEntityPermission } from './entityAccess';
export { audited, type AuditedEvent } from './audited';
export { parseInput } from './parseInput';
export { selectInstance, type InstanceSelection } from './selectInstance';
