export interface Config {
  comet?: {
    signIn?: {
      /**
       * Sign-in providers offered on the sign-in page, in order: `guest` (embedded defaults)
       * and `github` (needs auth.providers.github in the backend config).
       * @visibility frontend
       */
      providers?: Array<'guest' | 'github'>;
    };
  };
}
