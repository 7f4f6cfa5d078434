/**
 * The `sonarqube/quality-gate` pipeline step type.
 *
 * @packageDocumentation
 */
export {
  pipelinesModuleSonarqube as default,
  pipelinesModuleSonarqube,
} from './module';
export {
  SonarQubeQualityGateStep,
  QUALITY_GATE_STEP_ID,
} from './SonarQubeQualityGateStep';
