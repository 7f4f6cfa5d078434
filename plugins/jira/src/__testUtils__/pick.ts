import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

/** Opens a labelled MUI select and picks options (several for a multi-select). */
export async function pick(label: RegExp, options: string[]) {
  await userEvent.click(screen.getByRole('button', { name: label }));
  const listbox = await screen.findByRole('listbox');
  for (const option of options) {
    await userEvent.click(
      within(listbox).getByRole('option', { name: option }),
    );
  }
  if (screen.queryByRole('listbox')) {
    // A multi-select stays open: Escape closes it, as for a keyboard user
    fireEvent.keyDown(listbox, { key: 'Escape' });
  }
  await waitFor(() => expect(screen.queryByRole('listbox')).toBeNull());
}
