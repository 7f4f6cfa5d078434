/**
 * Test helpers of the Comet scaffolder modules: `runAction` runs an action's handler as the
 * scaffolder would, `TaskEventsFake` stands in for the scaffolder's task-events route.
 *
 * @packageDocumentation
 */
export { INITIATOR, TEMPLATE_REF, runAction } from './runAction';
export { TaskEventsFake, type TaskEventsRequest } from './TaskEventsFake';
