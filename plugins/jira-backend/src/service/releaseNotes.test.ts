import type { JiraIssue } from '@internal/plugin-jira-common';
import { releaseNotes } from './releaseNotes';

function issue(
  key: string,
  type: string,
  summary: string,
  subtask = false,
): JiraIssue {
  return {
    key,
    id: key,
    url: `https://jira.example.com/browse/${key}`,
    summary,
    status: { name: 'Done', category: 'done' },
    type: { name: type, subtask },
    labels: [],
    components: [],
    fixVersions: ['1.5.0'],
    customFields: {},
    created: '2026-11-01T00:00:00.000Z',
    updated: '2026-11-02T00:00:00.000Z',
  };
}

describe('releaseNotes', () => {
  it('groups by type, stories before bugs, keys in numeric order, no sub-tasks', () => {
    const notes = releaseNotes('1.5.0', [
      issue('PAY-10', 'Bug', 'Refund *twice*'),
      issue('PAY-9', 'Bug', 'Rounding\nerror'),
      issue('PAY-2', 'Story', 'Split payments [beta]'),
      issue('PAY-3', 'Sub-task', 'Write tests', true),
      issue('PAY-4', 'Chore', 'Bump deps'),
    ]);
    expect(notes.groups.map(g => [g.type, g.issues.map(i => i.key)])).toEqual([
      ['Story', ['PAY-2']],
      ['Bug', ['PAY-9', 'PAY-10']],
      ['Chore', ['PAY-4']],
    ]);
    expect(notes.markdown).toBe(
      [
        '# Release notes: 1.5.0',
        '',
        '## Story',
        '',
        '- [PAY-2](https://jira.example.com/browse/PAY-2) Split payments \\[beta\\]',
        '',
        '## Bug',
        '',
        '- [PAY-9](https://jira.example.com/browse/PAY-9) Rounding error',
        '- [PAY-10](https://jira.example.com/browse/PAY-10) Refund \\*twice\\*',
        '',
        '## Chore',
        '',
        '- [PAY-4](https://jira.example.com/browse/PAY-4) Bump deps',
        '',
      ].join('\n'),
    );
  });

  it('says so when no issue has the version', () => {
    expect(releaseNotes('2.0', []).markdown).toBe(
      '# Release notes: 2.0\n\nNo issues have this fix version.\n',
    );
  });
});
