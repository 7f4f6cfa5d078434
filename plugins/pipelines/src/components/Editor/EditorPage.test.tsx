import { fireEvent, screen, waitFor } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { PipelinesApi, pipelinesApiRef } from '../../api/PipelinesApi';
import { EditorPage } from './EditorPage';

jest.setTimeout(30_000);

describe('EditorPage', () => {
  const api = { listPipelines: jest.fn() } as unknown as PipelinesApi;

  it('validates as you type and lists problems with line and column', async () => {
    await renderInTestApp(<EditorPage />, { apis: [[pipelinesApiRef, api]] });
    const editor = screen.getByRole('textbox', { name: 'Pipeline YAML' });
    expect(await screen.findByText(/Valid: 2 jobs/)).toBeInTheDocument();
    // The preview shows the starter pipeline's jobs
    expect(
      screen.getByRole('group', { name: 'Pipeline graph preview' }),
    ).toHaveTextContent(/build.*test/);

    const broken =
      'name: broken\njobs:\n  build:\n    needs: [nope]\n    stpes:\n      - run: echo hi\n';
    fireEvent.change(editor, { target: { value: broken } });
    const problems = await screen.findByRole('list', {
      name: 'Validation problems',
    });
    expect(problems).toHaveTextContent(/4:\d+: .*nope/);
    expect(problems).toHaveTextContent(/5:5: .*stpes.*steps/);

    // Picking a problem moves the cursor to it
    fireEvent.click(screen.getByRole('button', { name: /:5:5: Unknown key/ }));
    const offset = broken.split('\n').slice(0, 4).join('\n').length + 1 + 4;
    await waitFor(() =>
      expect((editor as HTMLTextAreaElement).selectionStart).toBe(offset),
    );
  });

  it('completes keys with Ctrl+Space', async () => {
    await renderInTestApp(<EditorPage />, { apis: [[pipelinesApiRef, api]] });
    const editor = screen.getByRole('textbox', {
      name: 'Pipeline YAML',
    }) as HTMLTextAreaElement;
    const text = 'name: x\njobs:\n  build:\n    ';
    fireEvent.change(editor, { target: { value: text } });
    editor.setSelectionRange(text.length, text.length);
    fireEvent.keyDown(editor, { key: ' ', ctrlKey: true });
    const list = await screen.findByRole('listbox', { name: 'Completions' });
    expect(list).toHaveTextContent(/needs/);
    fireEvent.keyDown(editor, { key: 'ArrowDown' });
    fireEvent.keyDown(editor, { key: 'Enter' });
    await waitFor(() => expect(editor.value).toBe(`${text}needs: `));
  });
});
