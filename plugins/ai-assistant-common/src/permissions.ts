import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Chat with the assistant. It acts only through actions, with the user's own permissions, so
 * this grants no data by itself. No `action` attribute: a policy names it explicitly.
 */
export const aiAssistantChatUsePermission = createPermission({
  name: 'ai-assistant.chat.use',
  attributes: {},
});

/**
 * Read every user's token usage (`GET /usage`). No `read` attribute on purpose: it is an
 * administrator's view, and a policy that allows every `read` must not open it.
 */
export const aiAssistantUsageReadPermission = createPermission({
  name: 'ai-assistant.usage.read',
  attributes: {},
});

/** Edit the failure-analysis rules (the knowledge base of failure causes). */
export const aiAssistantRulesManagePermission = createPermission({
  name: 'ai-assistant.rules.manage',
  attributes: { action: 'update' },
});

export const aiAssistantPermissions = [
  aiAssistantChatUsePermission,
  aiAssistantUsageReadPermission,
  aiAssistantRulesManagePermission,
];
