import { checkBaseUrl, isLoopbackUrl, readAllowedOrigins } from './origins';

describe('readAllowedOrigins', () => {
  it('keeps the origin of each entry', () => {
    expect(
      readAllowedOrigins([
        'https://shop.example.com/some/path?q=1',
        'http://staging.example.com:8080',
      ]),
    ).toEqual(['https://shop.example.com', 'http://staging.example.com:8080']);
    expect(readAllowedOrigins([])).toEqual([]);
  });

  it('names the index of a bad entry', () => {
    expect(() =>
      readAllowedOrigins(['https://ok.example.com', 'shop']),
    ).toThrow(
      'testRecorder.allowedOrigins[1]: "shop" is not a URL; write an origin such as https://shop.example.com',
    );
    expect(() => readAllowedOrigins(['ftp://files.example.com'])).toThrow(
      'testRecorder.allowedOrigins[0]: "ftp://files.example.com" must be http or https',
    );
  });
});

describe('isLoopbackUrl', () => {
  it.each([
    ['http://localhost:3000', true],
    ['http://127.0.0.1:4173/', true],
    ['http://127.1.2.3/', true],
    ['http://127.1/', true], // the parser writes it 127.0.0.1
    ['http://[::1]:8080/', true],
    ['http://127.example.com/', false],
    ['http://127.0.0.1.nip.io/', false],
    ['http://10.0.0.1/', false],
    ['https://shop.example.com/', false],
  ])('%s is loopback: %p', (url, expected) => {
    expect(isLoopbackUrl(new URL(url))).toBe(expected);
  });
});

describe('checkBaseUrl', () => {
  const policy = { allowedOrigins: ['https://shop.example.com'] };

  it('allows loopback and the listed origins', () => {
    expect(
      checkBaseUrl(policy, 'http://127.0.0.1:4173/x', 'baseUrl').href,
    ).toBe('http://127.0.0.1:4173/x');
    expect(
      checkBaseUrl(policy, 'https://shop.example.com/cart', 'baseUrl').origin,
    ).toBe('https://shop.example.com');
  });

  it('refuses anything else with an error naming the field', () => {
    expect(() => checkBaseUrl(policy, 'not a url', 'baseUrl')).toThrow(
      'baseUrl: "not a url" is not a URL; write one such as http://127.0.0.1:4173',
    );
    expect(() =>
      checkBaseUrl(policy, 'file:///etc/passwd', 'startUrl'),
    ).toThrow(
      'startUrl: "file:///etc/passwd" must be an http or https address, not file:',
    );
    expect(() =>
      checkBaseUrl(policy, 'https://ada:pw@shop.example.com/', 'baseUrl'),
    ).toThrow(
      'baseUrl: "https://shop.example.com" must not carry a user name or password; store them as suite secrets',
    );
    expect(() =>
      checkBaseUrl(policy, 'http://shop.example.com/', 'baseUrl'),
    ).toThrow(
      "baseUrl: http://shop.example.com is not an allowed origin; the browser may open loopback addresses (an app the suite's web server starts) and the origins in testRecorder.allowedOrigins (https://shop.example.com)",
    );
    expect(() =>
      checkBaseUrl(
        { allowedOrigins: [] },
        'http://127.evil.example.com',
        'baseUrl',
      ),
    ).toThrow(
      /^baseUrl: http:\/\/127\.evil\.example\.com is not an allowed origin.*\(none configured\)$/,
    );
  });

  it('throws InputError', () => {
    expect(() => checkBaseUrl(policy, 'x', 'baseUrl')).toThrow(
      expect.objectContaining({ name: 'InputError' }),
    );
  });
});
