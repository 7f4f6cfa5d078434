/**
 * A local OpenAI-compatible API, for the assistant's tests, benchmarks and the portal's demo
 * mode.
 *
 * @packageDocumentation
 */
export * from './OpenAiFake';
