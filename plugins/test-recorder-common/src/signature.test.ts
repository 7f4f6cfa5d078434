import { failureSignature } from './signature';

// Messages as Playwright 1.65.1 produces them (captured from real runs on Chromium).
const connectionRefused = (port: number) =>
  `page.goto: net::ERR_CONNECTION_REFUSED at http://127.0.0.1:${port}/checkout?x=1\nCall log:\n\u001b[2m  - navigating to "http://127.0.0.1:${port}/checkout?x=1", waiting until "load"\u001b[22m\n`;
const clickTimeout = (ms: number) =>
  `locator.click: Timeout ${ms}ms exceeded.\nCall log:\n\u001b[2m  - waiting for getByRole('button', { name: 'Pay later' })\u001b[22m\n`;
const toHaveText = (received: string, ms: number, resolved: number) =>
  `expect(locator).toHaveText(expected) failed\n\nLocator:  getByTestId('total')\nExpected: "€12.00"\nReceived: "${received}"\nTimeout:  ${ms}ms\n\nCall log:\n  - Expect "toHaveText" getByTestId('total') with timeout ${ms}ms\n  - waiting for getByTestId('total')\n    ${resolved} × locator resolved to <span data-testid="total">${received}</span>\n      - unexpected value "${received}"\n`;

describe('failureSignature', () => {
  it('reduces a refused connection to the URL without port digits, query or call log', () => {
    expect(failureSignature(connectionRefused(47123))).toBe(
      'page.goto: net::ERR_CONNECTION_REFUSED at http://N.N.N.N:N/checkout',
    );
    expect(failureSignature(connectionRefused(4173))).toBe(
      failureSignature(connectionRefused(47123)),
    );
  });

  it('normalises timeouts in locator errors', () => {
    expect(failureSignature(clickTimeout(5000))).toBe(
      'locator.click: Timeout Nms exceeded.',
    );
    expect(failureSignature(clickTimeout(300))).toBe(
      failureSignature(clickTimeout(5000)),
    );
  });

  it('groups toHaveText mismatches whatever the received digits, and keeps the text', () => {
    const signature = failureSignature(toHaveText('€13.00', 5000, 9));
    expect(signature).toBe(
      'expect(locator).toHaveText(expected) failed Locator: getByTestId(\'total\') Expected: "€N" Received: "€N" Timeout: Nms',
    );
    expect(failureSignature(toHaveText('€14.50', 300, 3))).toBe(signature);
    // A different received text is a different failure.
    expect(failureSignature(toHaveText('Sold out', 300, 3))).not.toBe(
      signature,
    );
  });

  it('strips ANSI colours as the test runner prints them', () => {
    const coloured = `\u001b[31mError: \u001b[39m\u001b[2mexpect(\u001b[22m\u001b[31mlocator\u001b[39m\u001b[2m).\u001b[22mtoBeVisible\u001b[2m()\u001b[22m failed\n\nLocator: getByText('Done')\nExpected: visible\nTimeout: 5000ms\n\u001b]8;;https://example.test\u0007link\u001b]8;;\u0007`;
    expect(failureSignature(coloured)).toBe(
      "Error: expect(locator).toBeVisible() failed Locator: getByText('Done') Expected: visible Timeout: Nms link",
    );
  });

  it('replaces uuids and hex ids, and digits inside quotes but not in names', () => {
    expect(
      failureSignature(
        'Received string: "Order 1234 for a1b2c3d4-0000-4000-8000-123456789abc" in h1 at 0x1f, commit 9fceb02d0ae598e95dc970b74767f19372d61af8',
      ),
    ).toBe('Received string: "Order N for ID" in h1 at ID, commit ID');
    expect(failureSignature("expected 'item-42b' to be 'row7'")).toBe(
      "expected 'item-Nb' to be 'rowN'",
    );
    expect(failureSignature('retry 3 of 10 after 1.5s')).toBe(
      'retry N of N after Ns',
    );
  });

  it('drops stack frames and source excerpts, and keeps URLs in quotes intact', () => {
    const message = [
      'Error: page.waitForURL: Timeout 5000ms exceeded.',
      '=========================== logs ===========================',
      'waiting for navigation to "https://shop.example.test/orders/123#top"',
      '',
      '  12 |   await page.click("#pay");',
      '> 13 |   await page.waitForURL("**/orders/**");',
      '     |              ^',
      '    at /repo/tests/checkout.spec.ts:13:14',
    ].join('\n');
    expect(failureSignature(message)).toBe(
      'Error: page.waitForURL: Timeout Nms exceeded. =========================== logs =========================== waiting for navigation to "https://shop.example.test/orders/N"',
    );
  });

  it('leaves unparsable URL-like text normalised and cuts long messages at 300 characters', () => {
    expect(failureSignature('bad url http://[::1:80/x1 here')).toBe(
      'bad url http://[::N:N/xN here',
    );
    const long = failureSignature(`Error: ${'word '.repeat(100)}`);
    expect([...long]).toHaveLength(300);
    expect(failureSignature('\n\n')).toBe('');
  });
});
