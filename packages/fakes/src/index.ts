/**
 * Local fakes of the external APIs Comet talks to, one folder per family. Each exports an
 * express router that answers as the public API documentation says; the backend mounts them
 * at `/api/fakes/<family>` when `comet.fakes.<family>` is on (the e2e and demo configs), and
 * tests start them on an ephemeral port.
 *
 * @packageDocumentation
 */
export * from './jenkins';
