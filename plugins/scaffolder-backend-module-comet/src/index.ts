/**
 * The golden path's scaffolder actions: `comet:service:check` and `comet:repo:create`.
 *
 * @packageDocumentation
 */
export {
  scaffolderModuleComet as default,
  scaffolderModuleComet,
} from './module';
export {
  createRepoCreateAction,
  type CreateRepoCreateActionOptions,
} from './createRepoCreateAction';
export {
  createServiceCheckAction,
  type CreateServiceCheckActionOptions,
} from './createServiceCheckAction';
export {
  PortalRepositories,
  type RepositoryOwner,
  type RepositoryUrls,
} from './PortalRepositories';
export {
  readConfiguredIntegrations,
  type ConfiguredIntegrations,
} from './configuredIntegrations';
