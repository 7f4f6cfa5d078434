import { render, waitFor } from '@testing-library/react';
import App from './App';

describe('App', () => {
  it('renders the Comet sign-in page', async () => {
    process.env = {
      NODE_ENV: 'test',
      APP_CONFIG: [
        {
          data: {
            app: { title: 'Comet', baseUrl: 'http://localhost:7007' },
            backend: { baseUrl: 'http://localhost:7007' },
          },
          context: 'test',
        },
      ] as any,
    };

    const rendered = render(App.createRoot());

    await waitFor(
      () => {
        expect(
          rendered.getByRole('button', { name: 'Enter' }),
        ).toBeInTheDocument();
      },
      { timeout: 10000 },
    );
    expect(rendered.getAllByText('Comet').length).toBeGreaterThan(0);
  });
});
