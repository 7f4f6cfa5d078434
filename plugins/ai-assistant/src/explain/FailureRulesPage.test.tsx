import {
  configure,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  FakeExplainFailureApi,
  renderWithApi,
  rulesView,
} from './__testUtils__/fixtures';
import { ExplainFailureApiError, FailureRulesInvalidError } from './api';
import { FailureRulesPage, issueText } from './FailureRulesPage';

configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);

const editor = () =>
  screen.getByRole('textbox', { name: 'Rules (YAML)' }) as HTMLTextAreaElement;

/** Replaces a text field's value (typing YAML braces through userEvent needs escaping). */
function setValue(field: HTMLElement, value: string) {
  fireEvent.change(field, { target: { value } });
}

describe('Failure rules page', () => {
  it("shows the administrators' rules, the shipped ones and which are replaced", async () => {
    const api = new FakeExplainFailureApi();
    await renderWithApi(<FailureRulesPage />, api);
    expect(
      await screen.findByRole('heading', { name: 'Failure rules' }),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(/Version 1, saved .* by user:default\/admin\./),
    ).toBeInTheDocument();
    expect(editor().value).toBe(
      'rules:\n  - id: typescript-error\n    name: Ours\n',
    );
    await userEvent.click(
      screen.getByText("Comet's shipped rules (2, 1 replaced)"),
    );
    const table = screen.getByRole('table', { name: 'Shipped rules' });
    expect(
      within(table).getByText('npm could not resolve'),
    ).toBeInTheDocument();
    expect(within(table).getByText('replaced by yours')).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('button', { name: 'Show the shipped rules file' }),
    );
    expect(screen.getByLabelText('Shipped rules file')).toHaveTextContent(
      'id: npm-eresolve',
    );
  });

  it('saves edited rules as a new version from the one it started from', async () => {
    const api = new FakeExplainFailureApi();
    await renderWithApi(<FailureRulesPage />, api);
    await screen.findByText(/Version 1/);
    const save = screen.getByRole('button', { name: 'Save' });
    expect(save).toBeDisabled();
    setValue(editor(), 'rules: []\n');
    await userEvent.click(save);
    expect(
      await screen.findByText(
        'Saved as version 2: 1 rule, used by every explanation from now on.',
      ),
    ).toBeInTheDocument();
    expect(api.saved).toEqual([{ yaml: 'rules: []\n', baseVersion: 1 }]);
    expect(screen.getByText(/Version 2, saved/)).toBeInTheDocument();
    // Undo goes back to what is saved
    setValue(editor(), 'rules: [oops');
    await userEvent.click(screen.getByRole('button', { name: 'Undo changes' }));
    expect(editor().value).toBe('rules: []\n');
  });

  it('lists every problem of rules it refused, and a problem leads to its line', async () => {
    const api = new FakeExplainFailureApi();
    api.save = async () => {
      throw new FailureRulesInvalidError(
        'The rules have 2 problems; nothing was saved.',
        [
          {
            ruleId: 'broken',
            field: 'patterns[0]',
            path: 'rules[0].patterns[0]',
            message: 'not a valid regular expression: Unterminated group',
            line: 3,
            column: 9,
          },
          { field: 'rules', path: '', message: 'invalid YAML: oops' },
        ],
      );
    };
    await renderWithApi(<FailureRulesPage />, api);
    await screen.findByText(/Version 1/);
    setValue(editor(), "rules:\n  - id: broken\n    patterns: ['(']\n");
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(
      await screen.findByText('The rules have 2 problems; nothing was saved.'),
    ).toBeInTheDocument();
    const problems = screen.getByRole('list', { name: 'Problems' });
    const first = within(problems).getByText(
      'Line 3, column 9: rule "broken", patterns[0]: not a valid regular expression: Unterminated group',
    );
    expect(
      within(problems).getByText('invalid YAML: oops'),
    ).toBeInTheDocument();
    await userEvent.click(first);
    const field = editor();
    expect(field).toHaveFocus();
    expect(field.value.slice(field.selectionStart, field.selectionEnd)).toBe(
      "    patterns: ['(']",
    );
  });

  it('says when someone else saved first, and reloads', async () => {
    const api = new FakeExplainFailureApi();
    api.save = async () => {
      throw new ExplainFailureApiError(
        'The failure rules were saved by someone else since version 1; reload them',
        409,
      );
    };
    await renderWithApi(<FailureRulesPage />, api);
    await screen.findByText(/Version 1/);
    setValue(editor(), 'rules: []\n');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(
      await screen.findByText(/saved by someone else since version 1/),
    ).toBeInTheDocument();
    api.rules = async () =>
      rulesView({
        custom: {
          ...rulesView().custom,
          yaml: 'rules: [] # theirs\n',
          version: 2,
        },
      });
    await userEvent.click(screen.getByRole('button', { name: 'Reload' }));
    await waitFor(() => expect(editor().value).toBe('rules: [] # theirs\n'));
    expect(api.rulesLoads).toBe(2);
  });

  it('checks the rules in the editor without saving them', async () => {
    const api = new FakeExplainFailureApi();
    await renderWithApi(<FailureRulesPage />, api);
    await screen.findByText(/Version 1/);
    api.test = async () => ({
      ok: true,
      results: [
        { ruleId: 'a', name: 'A', category: 'x', matches: [], matchCount: 0 },
        { ruleId: 'b', name: 'B', category: 'x', matches: [], matchCount: 0 },
      ],
      logLines: 0,
      durationMs: 0,
      warnings: [],
    });
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect(
      await screen.findByText('No problems: 2 rules.'),
    ).toBeInTheDocument();
    expect(api.tested[0]).toEqual({ rules: editor().value, log: '' });

    api.test = async () => ({
      ok: false,
      issues: [
        {
          ruleId: 'a',
          field: 'id',
          path: 'rules[0].id',
          message: 'duplicate id',
          line: 9,
          column: 5,
        },
      ],
    });
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect(
      await screen.findByText('Line 9, column 5: rule "a", id: duplicate id'),
    ).toBeInTheDocument();
    expect(api.saved).toEqual([]);

    api.test = async () => {
      throw new Error('The AI assistant answered 500');
    };
    await userEvent.click(screen.getByRole('button', { name: 'Check' }));
    expect(
      await screen.findByText('The AI assistant answered 500'),
    ).toBeInTheDocument();
  });

  it('tests rules against a log, highlighting the lines they matched', async () => {
    const api = new FakeExplainFailureApi();
    const log = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    log[4] = 'PaymentsDB: connection pool exhausted after 1200 ms';
    log[15] = 'PaymentsDB: connection pool exhausted after 2400 ms';
    api.test = async () => ({
      ok: true,
      results: [
        {
          ruleId: 'payments-db-pool',
          name: 'Pool',
          category: 'infra',
          matches: [
            {
              line: 5,
              endLine: 5,
              text: [log[4]],
              groups: {},
              description: 'Pool gone after 1200 ms',
            },
            {
              line: 16,
              endLine: 16,
              text: [log[15]],
              groups: {},
              description: 'Pool gone after 2400 ms',
            },
          ],
          matchCount: 2,
        },
        {
          ruleId: 'typescript-error',
          name: 'TS',
          category: 'typescript',
          matches: [],
          matchCount: 0,
          stoppedBy: 'time-budget',
        },
      ],
      logLines: 20,
      durationMs: 3,
      warnings: ['Rule "typescript-error" was stopped after 250 ms'],
    });
    await renderWithApi(<FailureRulesPage />, api);
    await screen.findByText(/Version 1/);
    const tester = screen.getByRole('region', { name: 'Test against a log' });
    const test = within(tester).getByRole('button', { name: 'Test' });
    expect(test).toBeDisabled();
    setValue(
      within(tester).getByRole('textbox', { name: 'Log' }),
      log.join('\n'),
    );
    setValue(
      within(tester).getByRole('textbox', {
        name: 'Only the rule with this id (all when empty)',
      }),
      ' payments-db-pool ',
    );
    await userEvent.click(test);
    const results = await within(tester).findByRole('list', {
      name: 'Test results',
    });
    expect(results).toHaveTextContent('payments-db-pool: 2 matches');
    expect(results).toHaveTextContent('Pool gone after 1200 ms');
    expect(results).toHaveTextContent(
      'typescript-error: no match (stopped: out of time on this log)',
    );
    expect(
      within(tester).getByText(
        'Rule "typescript-error" was stopped after 250 ms',
      ),
    ).toBeInTheDocument();
    expect(api.tested).toEqual([
      {
        rules: rulesView().custom.yaml,
        ruleId: 'payments-db-pool',
        log: log.join('\n'),
      },
    ]);
    const shown = within(tester).getByLabelText('Matched lines');
    const highlighted = shown.querySelectorAll('[data-matched="true"]');
    expect([...highlighted].map(el => el.textContent)).toEqual([
      `5${log[4]}   ← payments-db-pool`,
      `16${log[15]}   ← payments-db-pool`,
    ]);
    expect(shown).toHaveTextContent('line 3');
    expect(shown).not.toHaveTextContent('line 10');
    expect(shown).toHaveTextContent('… 6 lines …');
    expect(
      within(tester).getByText('20 lines tested in 3 ms.'),
    ).toBeInTheDocument();

    // The shipped rules, and problems of the rules tested
    api.test = async () => ({
      ok: false,
      issues: [
        {
          field: 'ruleId',
          path: 'ruleId',
          message: 'there is no rule "nope" in the rules',
        },
      ],
    });
    await userEvent.click(
      within(tester).getByRole('radio', { name: 'The shipped rules' }),
    );
    await userEvent.click(test);
    expect(
      await within(tester).findByText(
        'ruleId: there is no rule "nope" in the rules',
      ),
    ).toBeInTheDocument();
    expect(api.tested[1].rules).toBe(rulesView().shipped.yaml);

    api.test = async () => {
      throw new Error('Request Entity Too Large');
    };
    await userEvent.click(test);
    expect(
      await within(tester).findByText('Request Entity Too Large'),
    ).toBeInTheDocument();
  });

  it('says why the rules could not be loaded', async () => {
    const api = new FakeExplainFailureApi();
    api.rules = async () => {
      throw new Error('The AI assistant answered 503');
    };
    await renderWithApi(<FailureRulesPage />, api);
    expect(
      await screen.findByText('The rules could not be loaded'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('The AI assistant answered 503'),
    ).toBeInTheDocument();
  });

  it('words an issue with or without its place', () => {
    expect(issueText({ field: 'log', path: 'log', message: 'too long' })).toBe(
      'log: too long',
    );
    expect(issueText({ field: '', path: '', message: 'bad', line: 2 })).toBe(
      'Line 2: bad',
    );
  });
});
