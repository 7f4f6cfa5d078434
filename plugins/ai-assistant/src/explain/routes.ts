import { createRouteRef } from '@backstage/frontend-plugin-api';

/** `/ai-assistant/rules`: the failure rules "Explain this failure" matches logs with. */
export const failureRulesRouteRef = createRouteRef();
