import { JiraApiError } from './api';
import { fieldErrorsOf } from './fieldErrors';

const fields = ['summary', 'labels', 'customfield_10010', 'Severity'];

describe('fieldErrorsOf', () => {
  it("reads Jira's refusals the backend lists in its message", () => {
    const error = new JiraApiError({
      status: 400,
      errorName: 'InputError',
      message:
        'Jira instance "default" refused to create an issue in PAY: summary: You must specify a summary.; customfield_10010: Severity is required.',
    });
    expect(fieldErrorsOf(error, fields)).toEqual({
      summary: 'You must specify a summary.',
      customfield_10010: 'Severity is required.',
    });
  });

  it("reads the backend's own input checks", () => {
    const error = new JiraApiError({
      status: 400,
      errorName: 'InputError',
      message: 'Invalid body field "labels.0": a label has no spaces',
    });
    expect(fieldErrorsOf(error, fields)).toEqual({
      labels: 'a label has no spaces',
    });
  });

  it('prefers structured field errors, and ignores what is no error', () => {
    const error = new JiraApiError({
      status: 400,
      errorName: 'InputError',
      message: 'summary: ignored',
      fieldErrors: { priority: 'Priority is required' },
    });
    expect(fieldErrorsOf(error, fields)).toEqual({
      priority: 'Priority is required',
    });
    expect(fieldErrorsOf('summary: text', fields)).toEqual({});
    expect(fieldErrorsOf(new Error('Network down'), fields)).toEqual({});
  });
});
