// The Jenkins fake lives in @internal/plugin-jenkins-node/testUtils; this re-export keeps
// @internal/fakes callers (the portal's fakes plugin) working until this package is removed.
// eslint-disable-next-line @backstage/no-undeclared-imports
export * from '@internal/plugin-jenkins-node/testUtils';
