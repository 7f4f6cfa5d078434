/**
 * Marks the failure analyst's system prompt, so the OpenAI fake's demo mode can tell it from
 * the chat's (and answer the JSON it asks for).
 */
export const FAILURE_ANALYST_MARKER = "Comet's failure analyst";
