/**
 * React hooks and components shared by Comet's frontend plugins.
 *
 * @packageDocumentation
 */
export { useLoader } from './useLoader';
export type { AsyncState } from './useLoader';
export { ParameterForm, defaultParameterValues } from './ParameterForm';
export type {
  ParameterField,
  ParameterFormProps,
  ParameterValue,
} from './ParameterForm';
