import { coreExtensionData } from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import type { Entity } from '@backstage/catalog-model';
import aiAssistantPlugin from './index';
import { aiAssistantEntityCard, aiAssistantPage } from './plugin';

const entityOfKind = (kind: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind,
  metadata: { name: 'x' },
});

describe('aiAssistantPlugin', () => {
  it('has the extensions the app wires by id', () => {
    for (const id of [
      'api:ai-assistant',
      'page:ai-assistant',
      'entity-card:ai-assistant/ask',
    ]) {
      expect(aiAssistantPlugin.getExtension(id as any)).toBeDefined();
    }
  });

  it('mounts the chat page at /ai-assistant, in the sidebar with a title', () => {
    const page = createExtensionTester(aiAssistantPage);
    expect(page.get(coreExtensionData.routePath)).toBe('/ai-assistant');
    expect(page.get(coreExtensionData.title)).toBe('AI assistant');
    expect(page.get(coreExtensionData.icon)).toBeDefined();
  });

  it('shows the side panel card on what runs and builds, not on users and groups', () => {
    const card = createExtensionTester(aiAssistantEntityCard);
    const filter = card.get(EntityCardBlueprint.dataRefs.filterFunction)!;
    for (const kind of ['Component', 'API', 'System', 'Resource']) {
      expect(filter(entityOfKind(kind))).toBe(true);
    }
    for (const kind of ['User', 'Group', 'Template', 'Location', 'Domain']) {
      expect(filter(entityOfKind(kind))).toBe(false);
    }
    expect(card.get(EntityCardBlueprint.dataRefs.type)).toBe('info');
  });
});
