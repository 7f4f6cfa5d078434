/**
 * Comet's delivery health backend plugin.
 *
 * @packageDocumentation
 */
export { deliveryHealthPlugin as default } from './plugin';
