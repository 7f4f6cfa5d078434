import {
  DELIVERY_HEALTH_ACTION_ID,
  DELIVERY_HEALTH_CONFIG_KEY,
  DELIVERY_HEALTH_SECTIONS,
} from './types';

describe('delivery health names', () => {
  it('names the action as the actions registry does (<pluginId>:<name>)', () => {
    expect(DELIVERY_HEALTH_ACTION_ID).toBe('comet:get-delivery-health');
    expect(DELIVERY_HEALTH_CONFIG_KEY).toBe('deliveryHealth');
  });

  it('lists the sections in the order a card shows them', () => {
    expect(DELIVERY_HEALTH_SECTIONS).toEqual([
      'pipelines',
      'qualityGate',
      'tests',
      'bugs',
      'pullRequests',
    ]);
  });
});
