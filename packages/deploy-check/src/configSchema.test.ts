import { checkConfigSchema } from './configSchema';
import { portalConfigFiles } from './portalChecks';
import {
  cometContext,
  REPO_ROOT,
  renderComet,
} from './__testUtils__/cometDeploy';

// backstage-cli compiles every package's config schema: slow, and done twice here
jest.setTimeout(240_000);

describe('checkConfigSchema', () => {
  it("accepts the configuration Comet's pods load, and names an unknown key", () => {
    const files = portalConfigFiles(cometContext(renderComet()));
    expect(files.map(file => file.file)).toEqual([
      'app-config.yaml',
      'app-config.production.yaml',
      'deploy/kubernetes/base/configmap.yaml (ConfigMap comet-app-config, app-config.kubernetes.yaml)',
      'deploy/kubernetes/base/configmap.yaml (ConfigMap comet-app-config, app-config.kubernetes-executor.yaml)',
    ]);
    // The Kubernetes executor is on in the base, with the settings its config.d.ts declares
    expect(files[3].text).toContain('namespace: comet-jobs');
    const good = checkConfigSchema(REPO_ROOT, files);
    expect(good).toEqual({ ok: true, output: expect.any(String) });

    const bad = checkConfigSchema(REPO_ROOT, [
      ...files.slice(0, 2),
      {
        file: files[2].file,
        text: files[2].text.replace('trustProxy: 1', 'trustProxies: 1'),
      },
    ]);
    expect(bad.ok).toBe(false);
    expect(bad.output).toContain('Configuration does not match schema');
    expect(bad.output).toContain('additionalProperty=trustProxies');

    // A misspelt executor setting is caught too (the module's config.d.ts is in the schema)
    const badExecutor = checkConfigSchema(REPO_ROOT, [
      ...files.slice(0, 3),
      {
        file: files[3].file,
        text: files[3].text.replace('allowedImages:', 'allowedImage:'),
      },
    ]);
    expect(badExecutor.ok).toBe(false);
    expect(badExecutor.output).toContain('additionalProperty=allowedImage');
  });
});
