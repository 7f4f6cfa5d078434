import {
  aiAssistantChatUsePermission,
  aiAssistantPermissions,
  aiAssistantRulesManagePermission,
  aiAssistantUsageReadPermission,
} from './permissions';

describe('AI assistant permissions', () => {
  it('uses basic permissions: none is tied to an entity', () => {
    expect(aiAssistantChatUsePermission).toEqual({
      type: 'basic',
      name: 'ai-assistant.chat.use',
      attributes: {},
    });
    expect(aiAssistantRulesManagePermission).toEqual({
      type: 'basic',
      name: 'ai-assistant.rules.manage',
      attributes: { action: 'update' },
    });
  });

  it('keeps usage out of "every read is allowed" policies', () => {
    expect(aiAssistantUsageReadPermission.attributes.action).toBeUndefined();
  });

  it('lists every permission once, for the backend to register', () => {
    expect(aiAssistantPermissions.map(p => p.name)).toEqual([
      'ai-assistant.chat.use',
      'ai-assistant.usage.read',
      'ai-assistant.rules.manage',
    ]);
  });
});
