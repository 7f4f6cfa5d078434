import {
  configApiRef,
  discoveryApiRef,
  githubAuthApiRef,
} from '@backstage/core-plugin-api';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { CometSignInPage } from './signInModule';

function renderPage(comet: object) {
  const config = mockApis.config({
    data: {
      app: { title: 'Comet' },
      backend: { baseUrl: 'http://localhost:7007' },
      comet,
    },
  });
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [configApiRef, config],
        [discoveryApiRef, mockApis.discovery()],
        // The page asks GitHub for an existing session before showing its card
        [
          githubAuthApiRef,
          {
            getBackstageIdentity: jest.fn(async () => undefined),
            getProfile: jest.fn(async () => undefined),
            getAccessToken: jest.fn(),
            signIn: jest.fn(),
            signOut: jest.fn(),
            sessionState$: jest.fn(),
          },
        ],
      ]}
    >
      <CometSignInPage onSignInSuccess={jest.fn()} />
    </TestApiProvider>,
  );
}

describe('CometSignInPage', () => {
  it('offers guest sign-in on the embedded defaults', async () => {
    const { findByText, queryByText } = await renderPage({});
    expect(await findByText('Guest')).toBeInTheDocument();
    expect(await findByText('Enter')).toBeInTheDocument();
    expect(queryByText('GitHub')).not.toBeInTheDocument();
  });

  it('offers GitHub when comet.signIn.providers names it', async () => {
    const { findByText, queryByText } = await renderPage({
      signIn: { providers: ['github'] },
    });
    expect(await findByText('GitHub')).toBeInTheDocument();
    expect(
      await findByText('Sign in with your GitHub account'),
    ).toBeInTheDocument();
    expect(queryByText('Guest')).not.toBeInTheDocument();
  });
});
