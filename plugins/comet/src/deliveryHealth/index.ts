import {
  deliveryHealthApi,
  deliveryHealthCard,
  deliveryHealthGroupContent,
} from './extensions';

/** The delivery-health card, the group table and their API. */
export const deliveryHealthExtensions = [
  deliveryHealthApi,
  deliveryHealthCard,
  deliveryHealthGroupContent,
];
