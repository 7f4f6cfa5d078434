/**
 * What Comet's backend plugins share.
 *
 * @packageDocumentation
 */
export { catalogEntity, requireEntityPermission } from './entityAccess';
