import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// The app under test is heavy and CI machines are shared: wait for what a user sees longer
// than the 1 s default before failing
configure({ asyncUtilTimeout: 10_000 });
