export { permissionModuleComet } from './permissionModuleComet';
export {
  AI_ACTORS,
  AI_FORBIDDEN_PERMISSIONS,
  CometPermissionPolicy,
} from './CometPermissionPolicy';
export {
  CometPermissionsService,
  cometPermissionsServiceFactory,
} from './CometPermissionsService';
export {
  type CometPermissionConfig,
  readCometPermissionConfig,
} from './CometPermissionConfig';
