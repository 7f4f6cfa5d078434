import { configure, screen } from '@testing-library/react';
import {
  FakeExplainFailureApi,
  renderWithApi,
  rulesView,
} from './__testUtils__/fixtures';
import { FailureRulesPage } from './FailureRulesPage';

configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);

const editor = () =>
  screen.getByRole('textbox', { name: 'Rules (YAML)' }) as HTMLTextAreaElement;

// In a file of its own: usePermission caches decisions per permission for the whole module
describe('Failure rules page without ai-assistant.rules.manage', () => {
  it('is read-only without ai-assistant.rules.manage', async () => {
    const api = new FakeExplainFailureApi();
    api.rules = async () =>
      rulesView({
        custom: { yaml: '', rules: [], version: 0 },
        overridden: [],
      });
    await renderWithApi(<FailureRulesPage />, api, {
      deny: ['ai-assistant.rules.manage'],
    });
    expect(await screen.findByText(/None saved yet\./)).toBeInTheDocument();
    expect(editor()).toBeDisabled();
    expect(
      screen.getByText(/Changing and testing them needs the permission/),
    ).toHaveTextContent('ai-assistant.rules.manage');
    expect(
      screen.queryByRole('button', { name: 'Save' }),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByRole('region', { name: 'Test against a log' }),
    ).not.toBeInTheDocument();
  });
});
