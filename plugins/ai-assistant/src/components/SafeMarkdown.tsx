import { makeStyles } from '@material-ui/core/styles';
import type { ReactNode } from 'react';
import ReactMarkdown from 'react-markdown';
import remarkGfm from 'remark-gfm';

const useStyles = makeStyles(theme => ({
  markdown: {
    overflowWrap: 'anywhere',
    '& > :first-child': { marginTop: 0 },
    '& > :last-child': { marginBottom: 0 },
    '& pre': {
      background: theme.palette.background.default,
      padding: theme.spacing(1),
      borderRadius: theme.shape.borderRadius,
      overflowX: 'auto',
      fontSize: '0.85em',
    },
    '& code': { fontFamily: 'monospace' },
    '& table': { borderCollapse: 'collapse' },
    '& th, & td': {
      border: `1px solid ${theme.palette.divider}`,
      padding: theme.spacing(0.5, 1),
    },
    '& a': { color: theme.palette.primary.main },
  },
  image: { fontStyle: 'italic', color: theme.palette.text.secondary },
}));

/**
 * The address a link may have: absolute http(s), or a path in the portal (resolved against
 * its origin). `javascript:`, `data:` and every other scheme give none.
 */
export function safeHref(href: string | undefined): string | undefined {
  if (!href) return undefined;
  try {
    const url = new URL(href, window.location.origin);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
  } catch {
    // not a URL
  }
  return undefined;
}

function SafeLink(props: { href?: string; children?: ReactNode }) {
  const href = safeHref(props.href);
  if (!href) return <span>{props.children}</span>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {props.children}
    </a>
  );
}

function NoImage(props: { alt?: string; src?: string }) {
  const classes = useStyles();
  // The portal never loads an image an answer names (img-src 'self' data:; nothing that
  // fetches on display): the description and the address are shown as text
  return (
    <span className={classes.image}>
      [image not shown: {props.alt || 'no description'}
      {props.src ? ` (${props.src})` : ''}]
    </span>
  );
}

export type SafeMarkdownProps = { content: string };

/**
 * An answer's Markdown (GitHub flavour): raw HTML is dropped, images are not loaded, links
 * are http(s) only and open in a new tab without access to the portal's window.
 */
export function SafeMarkdown(props: SafeMarkdownProps) {
  const classes = useStyles();
  return (
    <div className={classes.markdown}>
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        skipHtml
        components={{
          a: ({ href, children }) => (
            <SafeLink href={href}>{children}</SafeLink>
          ),
          img: ({ alt, src }) => <NoImage alt={alt} src={src} />,
        }}
      >
        {props.content}
      </ReactMarkdown>
    </div>
  );
}
