import { loadKubernetesClient } from './kubernetesClient';

describe('loadKubernetesClient', () => {
  it('loads the client', async () => {
    const k8s = await loadKubernetesClient();
    expect(typeof k8s.KubeConfig).toBe('function');
    expect(typeof k8s.Exec).toBe('function');
  });
});
