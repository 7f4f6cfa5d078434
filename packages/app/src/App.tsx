import { createApp } from '@backstage/frontend-defaults';
import { navModule } from './modules/nav';
import { signInModule } from './modules/signIn';

// Frontend plugins are discovered from packages/app/package.json (`app.packages: all`);
// the modules here are Comet's own app-level pieces.
export default createApp({
  features: [navModule, signInModule],
});
