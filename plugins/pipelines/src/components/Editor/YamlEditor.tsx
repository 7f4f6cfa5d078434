import { makeStyles } from '@material-ui/core/styles';
import {
  forwardRef,
  KeyboardEvent,
  useImperativeHandle,
  useMemo,
  useRef,
  useState,
} from 'react';
import { completionContext, SchemaKey } from './pipelineSchema';

const LINE_HEIGHT = 20;

const useStyles = makeStyles(theme => ({
  root: {
    position: 'relative',
    display: 'flex',
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: 4,
    background: theme.palette.background.paper,
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
    fontSize: 13,
    height: 520,
  },
  gutter: {
    overflow: 'hidden',
    padding: '8px 8px 8px 4px',
    textAlign: 'right',
    color: theme.palette.text.secondary,
    background: theme.palette.background.default,
    userSelect: 'none',
    minWidth: 40,
    lineHeight: `${LINE_HEIGHT}px`,
  },
  errorLine: {
    color: theme.palette.error.contrastText,
    background: theme.palette.error.dark,
  },
  textarea: {
    flex: 1,
    border: 0,
    outline: 'none',
    resize: 'none',
    padding: 8,
    font: 'inherit',
    lineHeight: `${LINE_HEIGHT}px`,
    whiteSpace: 'pre',
    overflow: 'auto',
    background: 'transparent',
    color: theme.palette.text.primary,
    tabSize: 2,
    '&:focus-visible': {
      boxShadow: `inset 0 0 0 2px ${theme.palette.primary.main}`,
    },
  },
  popup: {
    position: 'absolute',
    zIndex: 2,
    margin: 0,
    padding: 0,
    listStyle: 'none',
    background: theme.palette.background.paper,
    border: `1px solid ${theme.palette.divider}`,
    boxShadow: theme.shadows[4],
    minWidth: 280,
    maxHeight: 220,
    overflow: 'auto',
  },
  option: { padding: '2px 8px', cursor: 'pointer' },
  active: {
    background: theme.palette.primary.main,
    color: theme.palette.primary.contrastText,
  },
  label: {
    display: 'block',
    fontWeight: 600,
    marginBottom: theme.spacing(0.5),
  },
  help: {
    opacity: 0.85,
    marginLeft: 8,
    fontFamily: theme.typography.fontFamily,
  },
}));

export type YamlEditorHandle = {
  /** Moves the cursor to a line and column (from 1) and focuses the editor. */
  goTo(line: number, column: number): void;
};

export type YamlEditorProps = {
  value: string;
  onChange(value: string): void;
  /** Lines with problems, marked in the gutter. */
  errorLines?: number[];
  label: string;
  describedBy?: string;
  /** The step types `uses:` completes to. */
  stepTypes?: readonly string[];
};

/**
 * A plain textarea with line numbers and completion of keys and values (Ctrl+Space, or as you
 * type): small, accessible to screen readers and keyboard users, and no editor framework to load.
 */
export const YamlEditor = forwardRef<YamlEditorHandle, YamlEditorProps>(
  function YamlEditorWithRef(props, ref) {
    const {
      value,
      onChange,
      errorLines = [],
      label,
      describedBy,
      stepTypes,
    } = props;
    const classes = useStyles();
    const textarea = useRef<HTMLTextAreaElement>(null);
    const gutter = useRef<HTMLDivElement>(null);
    const [completion, setCompletion] = useState<{
      keys: SchemaKey[];
      from: number;
      to: number;
      active: number;
      top: number;
      left: number;
    }>();
    const lineCount = useMemo(() => value.split('\n').length, [value]);
    const errors = useMemo(() => new Set(errorLines), [errorLines]);

    useImperativeHandle(ref, () => ({
      goTo(line: number, column: number) {
        const el = textarea.current;
        if (!el) return;
        const lines = el.value.split('\n');
        let offset = 0;
        for (let i = 0; i < Math.min(line - 1, lines.length); i++) {
          offset += lines[i].length + 1;
        }
        offset += Math.max(0, column - 1);
        el.focus();
        el.setSelectionRange(offset, offset);
        el.scrollTop = Math.max(0, (line - 5) * LINE_HEIGHT);
      },
    }));

    const openCompletion = (
      text: string,
      offset: number,
      explicit: boolean,
    ) => {
      const context = completionContext(text, offset, { stepTypes });
      // While typing, keys are offered once a letter is typed, values (needs, uses, a param's
      // type) as soon as the value starts.
      if (
        !context ||
        (!context.keys.length && !explicit) ||
        (!explicit && !context.prefix && context.kind === 'key')
      ) {
        setCompletion(undefined);
        return;
      }
      const el = textarea.current!;
      const line = text.slice(0, offset).split('\n').length;
      const column = offset - (text.lastIndexOf('\n', offset - 1) + 1);
      setCompletion({
        keys: context.keys,
        from: context.from,
        to: offset,
        active: 0,
        top: line * LINE_HEIGHT + 8 - el.scrollTop,
        left: 48 + Math.min(column, 60) * 7.8 - el.scrollLeft,
      });
    };

    const accept = (key: SchemaKey) => {
      if (!completion) return;
      const insert = key.snippet ?? `${key.key}: `;
      const next =
        value.slice(0, completion.from) + insert + value.slice(completion.to);
      onChange(next);
      setCompletion(undefined);
      const caret = completion.from + insert.length;
      requestAnimationFrame(() => {
        textarea.current?.setSelectionRange(caret, caret);
      });
      // After a key such as `needs: `, offer its values
      if (!key.snippet) openCompletion(next, caret, false);
    };

    const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
      if (event.key === ' ' && event.ctrlKey) {
        event.preventDefault();
        const el = event.currentTarget;
        openCompletion(el.value, el.selectionStart, true);
        return;
      }
      if (!completion || !completion.keys.length) {
        if (event.key === 'Escape') setCompletion(undefined);
        return;
      }
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const delta = event.key === 'ArrowDown' ? 1 : -1;
        setCompletion({
          ...completion,
          active:
            (completion.active + delta + completion.keys.length) %
            completion.keys.length,
        });
      } else if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        accept(completion.keys[completion.active]);
      } else if (event.key === 'Escape') {
        event.preventDefault();
        setCompletion(undefined);
      }
    };

    const listId = 'pipeline-yaml-completions';
    const activeId =
      completion && completion.keys.length
        ? `${listId}-${completion.active}`
        : undefined;
    return (
      <>
        <label htmlFor="pipeline-yaml-editor" className={classes.label}>
          {label}
        </label>
        <div className={classes.root}>
          <div className={classes.gutter} ref={gutter} aria-hidden="true">
            {Array.from({ length: lineCount }, (_, i) => (
              <div
                key={i}
                className={errors.has(i + 1) ? classes.errorLine : undefined}
              >
                {i + 1}
              </div>
            ))}
          </div>
          <textarea
            ref={textarea}
            className={classes.textarea}
            value={value}
            spellCheck={false}
            id="pipeline-yaml-editor"
            aria-describedby={describedBy}
            aria-autocomplete="list"
            aria-controls={completion ? listId : undefined}
            aria-activedescendant={activeId}
            onChange={event => {
              onChange(event.target.value);
              openCompletion(
                event.target.value,
                event.target.selectionStart,
                false,
              );
            }}
            onKeyDown={onKeyDown}
            onBlur={() => setTimeout(() => setCompletion(undefined), 150)}
            onScroll={event => {
              if (gutter.current) {
                gutter.current.scrollTop = event.currentTarget.scrollTop;
              }
            }}
          />
          {completion && completion.keys.length > 0 && (
            <ul
              id={listId}
              role="listbox"
              aria-label="Completions"
              className={classes.popup}
              style={{ top: completion.top, left: completion.left }}
            >
              {completion.keys.map((key, index) => (
                <li
                  key={key.key}
                  id={`${listId}-${index}`}
                  role="option"
                  aria-selected={index === completion.active}
                  className={`${classes.option} ${
                    index === completion.active ? classes.active : ''
                  }`}
                  onMouseDown={event => {
                    event.preventDefault();
                    accept(key);
                  }}
                >
                  <strong>{key.key}</strong>
                  <span className={classes.help}>{key.help}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </>
    );
  },
);
