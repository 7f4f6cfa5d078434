import { createRouteRef } from '@backstage/frontend-plugin-api';

/** `/ai-assistant`: the chat (`?conversation=<id>`) and, for administrators, `?tab=usage`. */
export const rootRouteRef = createRouteRef();
