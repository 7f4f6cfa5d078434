import { renderInTestApp } from '@backstage/frontend-test-utils';
import { screen } from '@testing-library/react';
import { useAppLink } from './useAppLink';

const APP = 'http://localhost:7007';

function Links(props: { links: string[] }) {
  const toApp = useAppLink();
  return (
    <ul>
      {props.links.map(link => (
        <li key={link}>{toApp(link)}</li>
      ))}
    </ul>
  );
}

describe('useAppLink', () => {
  it("makes the portal's pages in-app paths and leaves the backend and other hosts alone", async () => {
    await renderInTestApp(
      <Links
        links={[
          `${APP}/pipelines/runs/r1?tab=log#l2`,
          `${APP}/api/fakes/sonarqube/dashboard?id=acme`,
          `${APP}/api`,
          'https://sonar.example.com/dashboard?id=acme',
          'not a url',
        ]}
      />,
      { config: { app: { baseUrl: APP } } },
    );
    expect(
      screen.getAllByRole('listitem').map(item => item.textContent),
    ).toEqual([
      '/pipelines/runs/r1?tab=log#l2',
      `${APP}/api/fakes/sonarqube/dashboard?id=acme`,
      `${APP}/api`,
      'https://sonar.example.com/dashboard?id=acme',
      'not a url',
    ]);
  });
});
