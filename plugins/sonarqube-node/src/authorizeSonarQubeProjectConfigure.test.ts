import { mockCredentials } from '@backstage/backend-test-utils';
import { authorizeSonarQubeProjectConfigure } from './authorizeSonarQubeProjectConfigure';

describe('authorizeSonarQubeProjectConfigure', () => {
  const credentials = mockCredentials.user('user:default/ada');

  function permissions(result: string) {
    return {
      authorize: jest.fn(async () => [{ result }]),
      authorizeConditional: jest.fn(),
    } as any;
  }

  it('asks for sonarqube.project.configure with the given credentials and passes when allowed', async () => {
    const allowing = permissions('ALLOW');
    await authorizeSonarQubeProjectConfigure({
      permissions: allowing,
      credentials,
      what: 'assign a gate',
    });
    expect(allowing.authorize).toHaveBeenCalledWith(
      [
        {
          permission: {
            type: 'basic',
            name: 'sonarqube.project.configure',
            attributes: { action: 'update' },
          },
        },
      ],
      { credentials },
    );
  });

  it('throws NotAllowedError naming the permission when denied', async () => {
    await expect(
      authorizeSonarQubeProjectConfigure({
        permissions: permissions('DENY'),
        credentials,
        what: 'assign a gate',
      }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message:
        'You are not allowed to assign a gate: it needs the sonarqube.project.configure permission',
    });
  });
});
