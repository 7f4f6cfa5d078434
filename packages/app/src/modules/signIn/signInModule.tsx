import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import { SignInPage, SignInProviderConfig } from '@backstage/core-components';
import {
  configApiRef,
  githubAuthApiRef,
  useApi,
} from '@backstage/core-plugin-api';
import type { SignInPageProps } from '@backstage/plugin-app-react';

const githubProvider: SignInProviderConfig = {
  id: 'github-auth-provider',
  title: 'GitHub',
  message: 'Sign in with your GitHub account',
  apiRef: githubAuthApiRef,
};

/**
 * Offers the sign-in providers named in `comet.signIn.providers`: guest on the embedded
 * defaults, GitHub in production.
 */
export function CometSignInPage(props: SignInPageProps) {
  const config = useApi(configApiRef);
  const names = config.getOptionalStringArray('comet.signIn.providers') ?? [
    'guest',
  ];
  const providers: Array<'guest' | SignInProviderConfig> = [];
  for (const name of names) {
    if (name === 'guest') providers.push('guest');
    if (name === 'github') providers.push(githubProvider);
  }
  return (
    <SignInPage
      {...props}
      title="Comet"
      align="center"
      providers={providers.length ? providers : ['guest']}
    />
  );
}

export const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [
    SignInPageBlueprint.make({
      params: {
        loader: async () => CometSignInPage,
      },
    }),
  ],
});
