import { coreApis } from '@backstage/frontend-plugin-api';
import {
  act,
  configure,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { TestStep } from '@internal/plugin-test-recorder-common';
import { TestRecorderApiError } from '../api';
import { FakeSocket, mockApi, suite } from '../__testUtils__/fixtures';
import { renderWith } from '../__testUtils__/render';
import { RecorderPage } from './RecorderPage';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(120_000);

const ENTITY = 'component:default/storefront-web';

const click = (id: string, name: string): TestStep => ({
  id,
  action: 'click',
  target: { locator: { kind: 'role', role: 'button', name } },
});

async function startSession(
  props: { suiteName?: string; testId?: string } = {},
  overrides: Parameters<typeof mockApi>[0] = {},
) {
  const socket = new FakeSocket();
  const api = mockApi({
    openRecordingSocket: async () => socket,
    ...overrides,
  });
  const rendered = await renderWith(
    <RecorderPage
      entityRef={ENTITY}
      suiteName={props.suiteName}
      testId={props.testId}
    />,
    api,
  );
  await userEvent.click(
    await screen.findByRole('button', { name: 'Start recording' }),
  );
  await waitFor(() =>
    expect(api.openRecordingSocket).toHaveBeenCalledWith('session-1'),
  );
  await waitFor(() =>
    expect(screen.getByText('Connection: connecting')).toBeInTheDocument(),
  );
  act(() => socket.open());
  await screen.findByText('Connection: connected');
  return { api, socket, ...rendered };
}

function frame(socket: FakeSocket, width = 1280, height = 720) {
  act(() =>
    socket.receive({ type: 'frame', data: 'AAAA', width, height, seq: 1 }),
  );
}

describe('Recorder page', () => {
  it('starts a session on the base URL and viewport chosen', async () => {
    const { api } = await startSession({ suiteName: 'storefront-checkout' });
    expect(api.startRecording).toHaveBeenCalledWith({
      entityRef: ENTITY,
      suiteName: 'storefront-checkout',
      baseUrl: 'http://localhost:3000',
      viewport: { width: 1280, height: 720 },
      testId: undefined,
    });
  });

  it('shows frames and forwards mouse, wheel and keys in page coordinates', async () => {
    const { socket } = await startSession();
    frame(socket);
    const view = await screen.findByRole('application', {
      name: /Live view of the page being recorded \(1280×720\)/,
    });
    const image = view.querySelector('img')!;
    expect(image).toHaveAttribute('src', 'data:image/jpeg;base64,AAAA');
    expect(view).toHaveAttribute('tabindex', '0');
    // Drawn at half size, 10 px from the left and 20 from the top
    image.getBoundingClientRect = () =>
      ({
        left: 10,
        top: 20,
        width: 640,
        height: 360,
        right: 650,
        bottom: 380,
        x: 10,
        y: 20,
      } as DOMRect);

    fireEvent.mouseDown(view, {
      clientX: 110,
      clientY: 70,
      button: 0,
      detail: 1,
    });
    fireEvent.mouseUp(view, {
      clientX: 110,
      clientY: 70,
      button: 0,
      detail: 1,
    });
    expect(view).toHaveFocus();
    expect(socket.sentOfType('mouse').map(({ sentAt, ...m }) => m)).toEqual([
      {
        type: 'mouse',
        action: 'down',
        x: 200,
        y: 100,
        button: 'left',
        clickCount: 1,
        modifiers: [],
      },
      {
        type: 'mouse',
        action: 'up',
        x: 200,
        y: 100,
        button: 'left',
        clickCount: 1,
        modifiers: [],
      },
    ]);
    expect(typeof socket.sent[0].sentAt).toBe('number');

    // Moves collapse to one per animation frame, at the latest position
    fireEvent.mouseMove(view, { clientX: 20, clientY: 30 });
    fireEvent.mouseMove(view, { clientX: 30, clientY: 40 });
    fireEvent.mouseMove(view, { clientX: 330, clientY: 200, shiftKey: true });
    await waitFor(() =>
      expect(socket.sent.filter(m => m.action === 'move')).toEqual([
        expect.objectContaining({ x: 640, y: 360, modifiers: ['Shift'] }),
      ]),
    );

    fireEvent.wheel(view, { clientX: 10, clientY: 20, deltaY: 120 });
    expect(socket.sent.filter(m => m.action === 'wheel')).toEqual([
      expect.objectContaining({ x: 0, y: 0, deltaY: 120 }),
    ]);

    fireEvent.keyDown(view, { key: 'a' });
    fireEvent.keyUp(view, { key: 'a' });
    fireEvent.keyDown(view, { key: 'Enter' });
    fireEvent.keyUp(view, { key: 'Enter' });
    fireEvent.keyDown(view, { key: 'a', ctrlKey: true });
    expect(socket.sentOfType('key').map(({ sentAt, ...m }) => m)).toEqual([
      { type: 'key', action: 'insertText', text: 'a' },
      { type: 'key', action: 'down', key: 'Enter', modifiers: [] },
      { type: 'key', action: 'up', key: 'Enter', modifiers: [] },
      { type: 'key', action: 'down', key: 'a', modifiers: ['Control'] },
    ]);
  });

  it('navigates, goes back, reloads and resizes', async () => {
    const { socket } = await startSession();
    act(() =>
      socket.receive({
        type: 'ready',
        url: 'http://localhost:3000/',
        viewport: { width: 1280, height: 720 },
      }),
    );
    const url = screen.getByLabelText('URL');
    expect(url).toHaveValue('http://localhost:3000/');
    await userEvent.clear(url);
    await userEvent.type(url, 'http://localhost:3000/cart{Enter}');
    await userEvent.click(screen.getByRole('button', { name: 'Back' }));
    await userEvent.click(screen.getByRole('button', { name: 'Reload' }));
    await userEvent.click(screen.getByLabelText('Viewport'));
    await userEvent.click(
      await screen.findByRole('option', { name: 'Phone 390×844' }),
    );
    expect(socket.sent.filter(m => m.type !== 'mouse')).toEqual([
      { type: 'navigate', url: 'http://localhost:3000/cart' },
      { type: 'back' },
      { type: 'reload' },
      { type: 'resize', width: 390, height: 844 },
    ]);
    act(() =>
      socket.receive({
        type: 'url',
        url: 'http://localhost:3000/cart',
        title: 'Cart',
      }),
    );
    expect(url).toHaveValue('http://localhost:3000/cart');
  });

  it('lists recorded steps with fragile warnings; edits, reorders, deletes and replays them', async () => {
    const { socket } = await startSession();
    act(() => {
      socket.receive({
        type: 'step',
        step: { id: 'a', action: 'navigate', url: '/' },
      });
      socket.receive({ type: 'step', step: click('b', 'Add to cart') });
      socket.receive({
        type: 'step',
        step: {
          id: 'c',
          action: 'click',
          target: { locator: { kind: 'css', value: 'div > span' } },
        },
        fragile: {
          reason: 'Only a CSS selector matches',
          suggestion: 'Add data-testid to the element',
        },
      });
      // The backend refines a step it sent (typing more into a field)
      socket.receive({
        type: 'step',
        step: click('b2', 'Add 2 to cart'),
        replacesStepId: 'b',
      });
    });
    const list = screen.getByRole('list', { name: 'Recorded steps' });
    const texts = () =>
      within(list)
        .getAllByRole('listitem')
        .map(li => li.firstChild!.textContent);
    expect(texts()).toEqual([
      'Go to /',
      'Click button "Add 2 to cart"',
      'Click css "div > span"',
    ]);
    expect(
      within(list).getByText(
        'Fragile: Only a CSS selector matches. Add data-testid to the element',
      ),
    ).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Edit step 3' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit step' });
    const locator = within(dialog).getByLabelText('Locator (css)');
    await userEvent.clear(locator);
    expect(
      within(dialog).getByText('The locator needs a value'),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByRole('button', { name: 'Save step' }),
    ).toBeDisabled();
    await userEvent.type(locator, '#pay');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Save step' }),
    );
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(texts()[2]).toBe('Click css "#pay"');
    // Still CSS: the panel keeps warning, in its own words
    expect(
      within(list).getByText(
        /Fragile: css "#pay" depends on the page's structure/,
      ),
    ).toBeInTheDocument();

    await userEvent.click(
      screen.getByRole('button', { name: 'Move step 3 up' }),
    );
    expect(texts()).toEqual([
      'Go to /',
      'Click css "#pay"',
      'Click button "Add 2 to cart"',
    ]);
    expect(
      screen.getByRole('button', { name: 'Move step 1 up' }),
    ).toBeDisabled();
    await userEvent.click(
      screen.getByRole('button', { name: 'Move step 1 down' }),
    );
    expect(texts()).toEqual([
      'Click css "#pay"',
      'Go to /',
      'Click button "Add 2 to cart"',
    ]);
    await userEvent.click(
      screen.getByRole('button', { name: 'Delete step 1' }),
    );
    expect(texts()).toEqual(['Go to /', 'Click button "Add 2 to cart"']);

    await userEvent.click(
      screen.getByRole('button', { name: 'Replay to step 2' }),
    );
    expect(socket.sentOfType('replay')).toEqual([
      {
        type: 'replay',
        steps: [
          { id: 'a', action: 'navigate', url: '/' },
          click('b2', 'Add 2 to cart'),
        ],
        toIndex: 1,
      },
    ]);
    act(() => {
      socket.receive({ type: 'replayed', index: 0, status: 'passed' });
      socket.receive({
        type: 'replayed',
        index: 1,
        status: 'failed',
        error: 'No element matches button "Add 2 to cart"',
      });
    });
    expect(
      within(list).getByText('No element matches button "Add 2 to cart"'),
    ).toBeInTheDocument();
    expect(within(list).getByText('passed')).toBeInTheDocument();
  });

  it('edits the fields of each step kind', async () => {
    const { socket } = await startSession();
    act(() => {
      socket.receive({
        type: 'step',
        step: { id: 'n', action: 'navigate', url: '/' },
      });
      socket.receive({
        type: 'step',
        step: {
          id: 'f',
          action: 'fill',
          target: { locator: { kind: 'label', value: 'Name' } },
          value: 'Ada',
        },
      });
      socket.receive({
        type: 'step',
        step: {
          id: 't',
          action: 'assertText',
          target: { locator: { kind: 'testId', value: 'total' } },
          text: '10',
          match: 'exact',
        },
      });
      socket.receive({
        type: 'step',
        step: {
          id: 's',
          action: 'select',
          target: { locator: { kind: 'label', value: 'Size' } },
          values: ['M'],
        },
      });
      socket.receive({
        type: 'step',
        step: {
          id: 'k',
          action: 'check',
          target: { locator: { kind: 'label', value: 'Gift' } },
          checked: true,
        },
      });
      socket.receive({
        type: 'step',
        step: { id: 'p', action: 'press', key: 'Enter' },
      });
      socket.receive({
        type: 'step',
        step: {
          id: 'r',
          action: 'click',
          target: { locator: { kind: 'role', role: 'link', name: 'Home' } },
        },
      });
    });
    const edit = async (
      index: number,
      change: (dialog: HTMLElement) => Promise<void>,
    ) => {
      await userEvent.click(
        screen.getByRole('button', { name: `Edit step ${index}` }),
      );
      const dialog = await screen.findByRole('dialog', { name: 'Edit step' });
      await change(dialog);
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Save step' }),
      );
      await waitFor(() =>
        expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
      );
    };
    const retype = async (dialog: HTMLElement, label: string, text: string) => {
      const field = within(dialog).getByLabelText(label);
      await userEvent.clear(field);
      // Pasted: typing each character re-renders the dialog per key, which is slow here
      await userEvent.paste(text);
    };
    await edit(1, d => retype(d, 'URL', '/shop'));
    await edit(2, d => retype(d, 'Value', 'Grace'));
    await edit(3, async d => {
      await retype(d, 'Text', '12');
      await userEvent.click(within(d).getByLabelText('Match'));
      await userEvent.click(
        await screen.findByRole('option', { name: 'contains' }),
      );
    });
    await edit(4, d => retype(d, 'Values (comma separated)', 'L, XL'));
    await edit(5, async d =>
      userEvent.click(within(d).getByLabelText('Checked')),
    );
    await edit(6, d => retype(d, 'Key', 'Tab'));
    await edit(7, async d => {
      await retype(d, 'Role', 'button');
      await retype(d, 'Accessible name', 'Start');
    });
    const list = screen.getByRole('list', { name: 'Recorded steps' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map(li => li.firstChild!.textContent),
    ).toEqual([
      'Go to /shop',
      'Fill label "Name" with "Grace"',
      'Expect test id "total" to contain "12"',
      'Select "L", "XL" in label "Size"',
      'Uncheck label "Gift"',
      'Press Tab on the focused element',
      'Click button "Start"',
    ]);
  });

  it('adds an assertion on a picked element', async () => {
    const { socket } = await startSession();
    const toggle = screen.getByRole('button', { name: 'Add assertion' });
    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-pressed', 'true');
    expect(socket.sentOfType('pick')).toEqual([
      { type: 'pick', enabled: true },
    ]);
    act(() =>
      socket.receive({
        type: 'picked',
        target: {
          locator: { kind: 'testId', value: 'total' },
          description: 'total "€ 42.00"',
        },
        state: { tagName: 'span', text: '€ 42.00', visible: true },
      }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Add an assertion',
    });
    expect(within(dialog).getByLabelText('Has value')).toBeDisabled();
    expect(within(dialog).getByLabelText('Text')).toHaveValue('€ 42.00');
    await userEvent.click(
      within(dialog).getByLabelText('Looks the same (screenshot)'),
    );
    const add = within(dialog).getByRole('button', { name: 'Add assertion' });
    expect(add).toBeDisabled();
    await userEvent.type(
      within(dialog).getByLabelText('Screenshot name'),
      'Total!',
    );
    expect(add).toBeDisabled();
    await userEvent.clear(within(dialog).getByLabelText('Screenshot name'));
    await userEvent.type(
      within(dialog).getByLabelText('Screenshot name'),
      'total',
    );
    await userEvent.click(within(dialog).getByLabelText('Has text'));
    await userEvent.click(add);
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(
      screen.getByRole('list', { name: 'Recorded steps' }),
    ).toHaveTextContent('Expect total "€ 42.00" to have text "€ 42.00"');
    expect(socket.sentOfType('pick')).toEqual([
      { type: 'pick', enabled: true },
      { type: 'pick', enabled: false },
    ]);
    expect(toggle).toHaveAttribute('aria-pressed', 'false');
  });

  it('offers value, checked and screenshot assertions where they apply', async () => {
    const { socket } = await startSession();
    const pick = (state: any) =>
      act(() =>
        socket.receive({
          type: 'picked',
          target: { locator: { kind: 'label', value: 'Gift' } },
          state,
        }),
      );
    const addWith = async (label: string, fill?: [string, string]) => {
      const dialog = await screen.findByRole('dialog', {
        name: 'Add an assertion',
      });
      await userEvent.click(within(dialog).getByLabelText(label));
      if (fill)
        await userEvent.type(within(dialog).getByLabelText(fill[0]), fill[1]);
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Add assertion' }),
      );
      await waitFor(() =>
        expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
      );
    };
    pick({ tagName: 'input', value: 'yes', checked: true, visible: true });
    await addWith('Is checked');
    pick({ tagName: 'input', value: 'yes', checked: false, visible: true });
    await addWith('Has value');
    pick({ tagName: 'input', visible: false });
    await addWith('Is hidden');
    pick({ tagName: 'div', visible: true });
    await addWith('Looks the same (screenshot)', [
      'Screenshot name',
      'gift-box',
    ]);
    pick({ tagName: 'div', visible: true });
    await userEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Cancel',
      }),
    );
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(
      within(screen.getByRole('list', { name: 'Recorded steps' }))
        .getAllByRole('listitem')
        .map(li => li.firstChild!.textContent),
    ).toEqual([
      'Expect label "Gift" to be checked',
      'Expect label "Gift" to have value "yes"',
      'Expect label "Gift" to be hidden',
      'Compare label "Gift" with screenshot "gift-box"',
    ]);
  });

  it('saves a new suite, stores typed secrets and opens the suite', async () => {
    const { api, socket, apis } = await startSession({
      suiteName: 'storefront-search',
    });
    act(() => {
      socket.receive({
        type: 'step',
        step: { id: 'a', action: 'navigate', url: '/' },
      });
      socket.receive({
        type: 'step',
        step: {
          id: 'b',
          action: 'fill',
          target: { locator: { kind: 'label', value: 'Password' } },
          secret: 'password',
        },
      });
    });
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    const dialog = await screen.findByRole('dialog', { name: 'Save the test' });
    expect(within(dialog).getByLabelText('New suite')).toBeChecked();
    expect(within(dialog).getByLabelText('Suite name')).toHaveValue(
      'storefront-search',
    );
    expect(within(dialog).getByLabelText('Base URL')).toHaveValue(
      'http://localhost:3000',
    );
    expect(
      within(dialog).getByText('Give the test a name'),
    ).toBeInTheDocument();
    const save = within(dialog).getByRole('button', { name: 'Save' });
    expect(save).toBeDisabled();
    await userEvent.type(
      within(dialog).getByLabelText(/Test name/),
      'Search for socks',
    );
    await userEvent.type(
      within(dialog).getByLabelText('Suite title'),
      'Storefront search',
    );
    await userEvent.click(save);
    await waitFor(() => expect(api.createSuite).toHaveBeenCalled());
    expect(api.createSuite.mock.calls[0][0]).toEqual({
      entityRef: ENTITY,
      message: 'Recorded "Search for socks"',
      definition: {
        name: 'storefront-search',
        title: 'Storefront search',
        baseUrl: 'http://localhost:3000',
        secrets: ['password'],
        tests: [
          {
            id: 'search-for-socks',
            name: 'Search for socks',
            steps: [
              { id: 'a', action: 'navigate', url: '/' },
              {
                id: 'b',
                action: 'fill',
                target: { locator: { kind: 'label', value: 'Password' } },
                secret: 'password',
              },
            ],
          },
        ],
      },
    });
    await waitFor(() =>
      expect(api.saveRecordingSecrets).toHaveBeenCalledWith(
        'session-1',
        'storefront-search',
      ),
    );
    await waitFor(() =>
      expect(
        apis.get(coreApis.appHistory)!.getSnapshot().location.pathname,
      ).toBe('/test-recorder/suites/storefront-search'),
    );
  });

  it('adds to an existing suite on its version, and after a 409 says who won', async () => {
    let version = 3;
    const updateSuite = jest
      .fn()
      .mockRejectedValueOnce(
        new TestRecorderApiError({
          message: 'stale',
          status: 409,
          errorName: 'ConflictError',
        }),
      )
      .mockImplementation(async (_name: string, request: any) => ({
        ...suite,
        version: request.baseVersion + 1,
      }));
    const { api, socket } = await startSession(
      { suiteName: 'storefront-checkout' },
      {
        getSuite: async () => ({ ...suite, version }),
        updateSuite,
      },
    );
    act(() => socket.receive({ type: 'step', step: click('x', 'Pay now') }));
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    const dialog = await screen.findByRole('dialog', { name: 'Save the test' });
    await waitFor(() =>
      expect(within(dialog).getByLabelText('Existing suite')).toBeChecked(),
    );
    await userEvent.type(
      within(dialog).getByLabelText(/Test name/),
      'Checkout with a card',
    );
    const save = within(dialog).getByRole('button', { name: 'Save' });
    await waitFor(() => expect(save).toBeEnabled());
    version = 5; // someone else saves meanwhile
    await userEvent.click(save);
    expect(
      await within(dialog).findByText(
        /Someone saved version 5 meanwhile: reload/,
      ),
    ).toBeInTheDocument();
    expect(updateSuite.mock.calls[0][1].baseVersion).toBe(3);
    // The id is unique in the suite: "checkout" is taken by another test's name
    expect(
      updateSuite.mock.calls[0][1].definition.tests.map((t: any) => t.id),
    ).toEqual(['checkout', 'browse', 'checkout-with-a-card']);
    await waitFor(() =>
      expect(api.getSuite.mock.calls.length).toBeGreaterThanOrEqual(4),
    );
    await waitFor(() => expect(save).toBeEnabled());
    await userEvent.click(save);
    await waitFor(() => expect(updateSuite).toHaveBeenCalledTimes(2));
    expect(updateSuite.mock.calls[1][1].baseVersion).toBe(5);
    expect(api.saveRecordingSecrets).not.toHaveBeenCalled();
  });

  it('re-records a test, replacing it in its suite', async () => {
    const { api } = await startSession({
      suiteName: 'storefront-checkout',
      testId: 'browse',
    });
    // The test's steps are loaded to start from
    const list = screen.getByRole('list', { name: 'Recorded steps' });
    expect(list).toHaveTextContent('Go to /products');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    const dialog = await screen.findByRole('dialog', { name: 'Save the test' });
    await userEvent.type(
      within(dialog).getByLabelText(/Test name/),
      'Browse the catalogue',
    );
    await waitFor(() =>
      expect(within(dialog).getByLabelText('Save as')).toHaveTextContent(
        'Replace “Browse the catalogue”',
      ),
    );
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(api.updateSuite).toHaveBeenCalled());
    const { definition, message } = api.updateSuite.mock.calls[0][1];
    expect(message).toBe('Re-recorded "Browse the catalogue"');
    expect(definition.tests).toHaveLength(2);
    expect(definition.tests[1]).toEqual({
      id: 'browse',
      name: 'Browse the catalogue',
      steps: [{ id: 'b1', action: 'navigate', url: '/products' }],
    });
  });

  it('shows errors and the reason the session closed', async () => {
    const { socket } = await startSession();
    act(() =>
      socket.receive({
        type: 'error',
        message: 'http://10.0.0.5/ is not an allowed origin',
      }),
    );
    expect(
      await screen.findByText('http://10.0.0.5/ is not an allowed origin'),
    ).toBeInTheDocument();
    act(() => socket.receiveRaw('not json'));
    expect(
      await screen.findByText('The recorder sent a message that is not JSON'),
    ).toBeInTheDocument();
    act(() =>
      socket.receive({ type: 'closed', reason: 'idle for 10 minutes' }),
    );
    expect(
      await screen.findByText('Recording ended: idle for 10 minutes'),
    ).toBeInTheDocument();
    expect(screen.getByText('Connection: closed')).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Add assertion' }),
    ).toBeDisabled();
  });

  it('reports a dropped connection and web server progress', async () => {
    const { socket } = await startSession();
    act(() =>
      socket.receive({
        type: 'webServer',
        status: 'starting',
        message: 'npm start',
      }),
    );
    expect(
      await screen.findByText('Web server starting: npm start'),
    ).toBeInTheDocument();
    act(() => socket.drop(''));
    expect(
      await screen.findByText(
        'Recording ended: The connection to the recorder closed',
      ),
    ).toBeInTheDocument();
  });

  it('closes the socket and ends the session when the user leaves', async () => {
    const { api, socket, unmount } = await startSession();
    unmount();
    expect(socket.closed).toEqual({
      code: 1000,
      reason: 'The user left the recorder',
    });
    expect(api.stopRecording).toHaveBeenCalledWith('session-1');
  });

  it('says why the recording did not start', async () => {
    const api = mockApi({
      startRecording: async () => {
        throw new TestRecorderApiError({
          message: 'You already have 2 recording sessions open',
          status: 429,
          errorName: 'TooManyRequests',
        });
      },
    });
    await renderWith(<RecorderPage entityRef={ENTITY} />, api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Start recording' }),
    );
    expect(
      await screen.findByText('You already have 2 recording sessions open'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Start recording' }),
    ).toBeEnabled();
  });

  it('needs an entity', async () => {
    await renderWith(<RecorderPage entityRef="" />, mockApi());
    expect(
      await screen.findByText(/the page needs \?entityRef=/),
    ).toBeInTheDocument();
  });
});
