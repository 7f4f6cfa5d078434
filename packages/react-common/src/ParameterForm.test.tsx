import { fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import {
  defaultParameterValues,
  ParameterField,
  ParameterForm,
  ParameterValue,
} from './ParameterForm';

const fields: ParameterField[] = [
  { name: 'version', type: 'string', default: '1.0.0', description: 'To ship' },
  { name: 'notes', type: 'text' },
  { name: 'token', type: 'password' },
  { name: 'shards', type: 'number', default: 2 },
  { name: 'dryRun', type: 'boolean', default: 'true' },
  { name: 'region', type: 'choice', choices: ['eu', 'us'] },
];

/** The form as a dialog holds it: its values in state, the latest shown to the test. */
function Form(props: { nativeSelect?: boolean }) {
  const [values, setValues] = useState(() => defaultParameterValues(fields));
  return (
    <>
      <ParameterForm
        idPrefix="test-param-"
        fields={fields}
        values={values}
        nativeSelect={props.nativeSelect}
        onChange={(name: string, value: ParameterValue) =>
          setValues(v => ({ ...v, [name]: value }))
        }
      />
      <output data-testid="values">{JSON.stringify(values)}</output>
    </>
  );
}

const shownValues = () =>
  JSON.parse(screen.getByTestId('values').textContent ?? '{}');

describe('defaultParameterValues', () => {
  it('takes each default, else unchecked, the first choice or empty', () => {
    expect(defaultParameterValues(fields)).toEqual({
      version: '1.0.0',
      notes: '',
      token: '',
      shards: 2,
      dryRun: true,
      region: 'eu',
    });
  });
});

describe('ParameterForm', () => {
  it('shows one labelled field per parameter with its default and description', () => {
    render(<Form nativeSelect />);
    expect(screen.getByLabelText('version')).toHaveValue('1.0.0');
    expect(screen.getByText('To ship')).toBeInTheDocument();
    expect(screen.getByLabelText('notes').tagName).toBe('TEXTAREA');
    expect(screen.getByLabelText('token')).toHaveAttribute('type', 'password');
    expect(screen.getByLabelText('shards')).toHaveValue(2);
    expect(screen.getByLabelText('dryRun')).toBeChecked();
    expect(screen.getByLabelText('region')).toHaveValue('eu');
    expect(screen.getByLabelText('version')).toHaveAttribute(
      'id',
      'test-param-version',
    );
  });

  it('reports typed values: numbers as numbers, booleans as booleans', () => {
    render(<Form nativeSelect />);
    fireEvent.change(screen.getByLabelText('shards'), {
      target: { value: '4' },
    });
    fireEvent.click(screen.getByLabelText('dryRun'));
    fireEvent.change(screen.getByLabelText('region'), {
      target: { value: 'us' },
    });
    fireEvent.change(screen.getByLabelText('version'), {
      target: { value: '2.0.0' },
    });
    expect(shownValues()).toEqual({
      version: '2.0.0',
      notes: '',
      token: '',
      shards: 4,
      dryRun: false,
      region: 'us',
    });
    // An emptied number is left empty, not 0
    fireEvent.change(screen.getByLabelText('shards'), {
      target: { value: '' },
    });
    expect(shownValues().shards).toBe('');
  });

  it('offers choices in a menu without nativeSelect', () => {
    render(<Form />);
    const region = screen.getByRole('button', { name: /region/ });
    expect(region).toHaveTextContent('eu');
    fireEvent.mouseDown(region);
    fireEvent.click(
      within(screen.getByRole('listbox')).getByRole('option', { name: 'us' }),
    );
    expect(shownValues().region).toBe('us');
    expect(screen.getByRole('button', { name: /region/ })).toHaveTextContent(
      'us',
    );
  });
});

describe('ParameterForm rules of a string', () => {
  const ruled: ParameterField[] = [
    {
      name: 'reporter',
      type: 'string',
      choices: ['spec', 'tap'],
      description: 'Test report',
    },
    { name: 'env', type: 'string', pattern: '[a-z]+', maxLength: 8 },
  ];

  function RuledForm(props: { nativeSelect?: boolean }) {
    const [values, setValues] = useState(() => defaultParameterValues(ruled));
    return (
      <>
        <ParameterForm
          idPrefix="ruled-"
          fields={ruled}
          values={values}
          nativeSelect={props.nativeSelect}
          onChange={(name: string, value: ParameterValue) =>
            setValues(v => ({ ...v, [name]: value }))
          }
        />
        <output data-testid="values">{JSON.stringify(values)}</output>
      </>
    );
  }

  it('offers a string with an enum as a select, starting at its first value', () => {
    render(<RuledForm nativeSelect />);
    const reporter = screen.getByLabelText('reporter');
    expect(reporter.tagName).toBe('SELECT');
    expect(
      within(reporter)
        .getAllByRole('option')
        .map(option => option.textContent),
    ).toEqual(['spec', 'tap']);
    expect(reporter).toHaveValue('spec');
    fireEvent.change(reporter, { target: { value: 'tap' } });
    expect(shownValues().reporter).toBe('tap');
  });

  it('offers a string with an enum in a menu without nativeSelect', () => {
    render(<RuledForm />);
    fireEvent.mouseDown(screen.getByRole('button', { name: /reporter/ }));
    expect(
      within(screen.getByRole('listbox'))
        .getAllByRole('option')
        .map(option => option.textContent),
    ).toEqual(['spec', 'tap']);
  });

  it('hints at pattern and maxLength while typing', () => {
    render(<RuledForm />);
    const env = screen.getByLabelText('env');
    expect(env).toHaveAttribute('maxLength', '8');
    expect(env).not.toHaveAttribute('aria-invalid', 'true');
    fireEvent.change(env, { target: { value: 'prod; id' } });
    expect(screen.getByText('Must match [a-z]+')).toBeInTheDocument();
    expect(env).toHaveAttribute('aria-invalid', 'true');
    fireEvent.change(env, { target: { value: 'prod' } });
    expect(screen.queryByText('Must match [a-z]+')).not.toBeInTheDocument();
    expect(shownValues().env).toBe('prod');
  });
});
