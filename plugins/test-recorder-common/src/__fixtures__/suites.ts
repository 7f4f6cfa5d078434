import type { TestSuiteDefinition } from '../steps';

/** A suite with one step of every kind, secrets, a web server and a device project. */
export const fullSuite: TestSuiteDefinition = {
  name: 'storefront-checkout',
  title: 'Storefront checkout',
  description: 'Buys a product with a card.',
  baseUrl: 'http://127.0.0.1:4173',
  webServer: {
    command: 'node server.js',
    port: 4173,
    cwd: 'examples/storefront',
    timeoutMs: 20000,
    env: { NODE_ENV: 'test' },
  },
  project: 'Pixel 7',
  stepTimeoutMs: 5000,
  testIdAttribute: 'data-test',
  secrets: ['PASSWORD'],
  tests: [
    {
      id: 'pays-with-card',
      name: "Pays with the shopper's card",
      steps: [
        { id: 's1', action: 'navigate', url: '/checkout' },
        {
          id: 's2',
          action: 'fill',
          target: { locator: { kind: 'label', value: 'Email' } },
          value: 'a@b.c',
        },
        {
          id: 's3',
          action: 'fill',
          target: {
            locator: { kind: 'label', value: 'Password', exact: true },
          },
          secret: 'PASSWORD',
        },
        {
          id: 's4',
          action: 'click',
          target: {
            locator: {
              kind: 'role',
              role: 'button',
              name: 'Pay now',
              exact: true,
            },
            fallbacks: [
              { kind: 'testId', value: 'pay' },
              { kind: 'css', value: 'form > button', nth: 1 },
            ],
          },
        },
        {
          id: 's5',
          action: 'click',
          target: { locator: { kind: 'text', value: 'Options' } },
          button: 'right',
          clickCount: 2,
          modifiers: ['Shift', 'Alt'],
          timeoutMs: 1000,
        },
        {
          id: 's6',
          action: 'press',
          target: { locator: { kind: 'placeholder', value: 'Search' } },
          key: 'Enter',
        },
        { id: 's7', action: 'press', key: 'Control+a' },
        {
          id: 's8',
          action: 'select',
          target: { locator: { kind: 'label', value: 'Colour' } },
          values: ['red', 'blue'],
        },
        {
          id: 's9',
          action: 'check',
          target: { locator: { kind: 'label', value: 'I agree' } },
          checked: true,
        },
        {
          id: 's10',
          action: 'check',
          target: { locator: { kind: 'label', value: 'Newsletter' } },
          checked: false,
        },
        {
          id: 's11',
          action: 'upload',
          target: { locator: { kind: 'label', value: 'Invoice' } },
          files: ['invoice.pdf'],
        },
        {
          id: 's12',
          action: 'waitFor',
          target: { locator: { kind: 'testId', value: 'spinner' } },
          state: 'hidden',
        },
        {
          id: 's13',
          action: 'assertVisible',
          target: { locator: { kind: 'altText', value: 'Logo' } },
          visible: true,
        },
        {
          id: 's14',
          action: 'assertVisible',
          target: { locator: { kind: 'title', value: 'Error' } },
          visible: false,
        },
        {
          id: 's15',
          action: 'assertText',
          target: { locator: { kind: 'testId', value: 'total' } },
          text: "It's €12.00",
          match: 'exact',
        },
        {
          id: 's16',
          action: 'assertText',
          target: { locator: { kind: 'css', value: '.note' } },
          text: 'Thanks\nagain',
          match: 'contains',
        },
        {
          id: 's17',
          action: 'assertValue',
          target: { locator: { kind: 'label', value: 'Quantity' } },
          value: '2',
        },
        {
          id: 's18',
          action: 'assertChecked',
          target: { locator: { kind: 'label', value: 'I agree' } },
          checked: true,
        },
        {
          id: 's19',
          action: 'assertChecked',
          target: { locator: { kind: 'label', value: 'Newsletter' } },
          checked: false,
        },
        {
          id: 's20',
          action: 'assertUrl',
          url: '/done?step=1',
          match: 'contains',
        },
        {
          id: 's21',
          action: 'assertUrl',
          url: 'http://127.0.0.1:4173/done',
          match: 'exact',
          timeoutMs: 2000,
        },
        { id: 's22', action: 'assertScreenshot', name: 'receipt' },
        {
          id: 's23',
          action: 'assertScreenshot',
          name: 'cart',
          target: { locator: { kind: 'role', role: 'region', name: 'Cart' } },
          threshold: 0.2,
          maxDiffPixelRatio: 0.01,
        },
      ],
    },
    { id: 'empty', name: 'Not recorded yet', steps: [] },
  ],
};

/** The smallest valid suite: no web server, project, secrets or timeouts. */
export const minimalSuite: TestSuiteDefinition = {
  name: 'payments-api-smoke',
  baseUrl: 'https://payments.example.test/',
  tests: [
    {
      id: 'home',
      name: 'Home page loads',
      steps: [
        { id: 'open', action: 'navigate', url: '/' },
        {
          id: 'see',
          action: 'assertVisible',
          target: { locator: { kind: 'role', role: 'heading' } },
          visible: true,
        },
      ],
    },
  ],
};
