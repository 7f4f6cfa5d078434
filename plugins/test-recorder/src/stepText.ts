import type {
  TestLocator,
  TestStep,
  TestTarget,
} from '@internal/plugin-test-recorder-common';

// The common package is getting its own describeStep/describeLocator/isFragileLocator; these
// stay the UI's wording until then, in one place so switching is one import.

/** `role button "Pay now"`, `test id "pay"`, `css "div > span" #2`. */
export function describeLocator(locator: TestLocator): string {
  const nth = locator.nth !== undefined ? ` #${locator.nth + 1}` : '';
  switch (locator.kind) {
    case 'testId':
      return `test id "${locator.value}"${nth}`;
    case 'role':
      return `${locator.role}${
        locator.name !== undefined ? ` "${locator.name}"` : ''
      }${nth}`;
    case 'altText':
      return `alt text "${locator.value}"${nth}`;
    default:
      return `${locator.kind} "${locator.value}"${nth}`;
  }
}

/** A CSS locator, or any locator narrowed with `nth`, breaks when the page changes. */
export function isFragileLocator(locator: TestLocator): boolean {
  return locator.kind === 'css' || locator.nth !== undefined;
}

function target(t: TestTarget | undefined): string {
  if (!t) return 'the focused element';
  return t.description ?? describeLocator(t.locator);
}

/** One line a person reads in the steps panel: `Click button "Pay now"`. */
export function describeStep(step: TestStep): string {
  switch (step.action) {
    case 'navigate':
      return `Go to ${step.url}`;
    case 'click':
      return `${step.clickCount === 2 ? 'Double-click' : 'Click'} ${target(
        step.target,
      )}`;
    case 'fill':
      return step.secret !== undefined
        ? `Fill ${target(step.target)} with secret ${step.secret}`
        : `Fill ${target(step.target)} with "${step.value}"`;
    case 'press':
      return `Press ${step.key} on ${target(step.target)}`;
    case 'select':
      return `Select ${step.values.map(v => `"${v}"`).join(', ')} in ${target(
        step.target,
      )}`;
    case 'check':
      return `${step.checked ? 'Check' : 'Uncheck'} ${target(step.target)}`;
    case 'upload':
      return `Upload ${step.files.join(', ')} to ${target(step.target)}`;
    case 'waitFor':
      return `Wait for ${target(step.target)} to be ${step.state}`;
    case 'assertVisible':
      return `Expect ${target(step.target)} to be ${
        step.visible ? 'visible' : 'hidden'
      }`;
    case 'assertText':
      return `Expect ${target(step.target)} to ${
        step.match === 'exact' ? 'have text' : 'contain'
      } "${step.text}"`;
    case 'assertValue':
      return `Expect ${target(step.target)} to have value "${step.value}"`;
    case 'assertChecked':
      return `Expect ${target(step.target)} to be ${
        step.checked ? 'checked' : 'unchecked'
      }`;
    case 'assertUrl':
      return `Expect the URL to ${step.match === 'exact' ? 'be' : 'contain'} ${
        step.url
      }`;
    case 'assertScreenshot':
      return `Compare ${
        step.target ? target(step.target) : 'the page'
      } with screenshot "${step.name}"`;
    default:
      return (step as TestStep).action;
  }
}

/** The locator of a step that has one. */
export function stepLocator(step: TestStep): TestLocator | undefined {
  return 'target' in step && step.target ? step.target.locator : undefined;
}
