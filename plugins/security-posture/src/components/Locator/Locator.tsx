import { Fragment } from 'react';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';

const useStyles = makeStyles({
  locator: {
    fontFamily: 'monospace',
    fontSize: '0.8rem',
    // Break between the parts of a locator (after `.`, `/`, `#`, …), never inside a word;
    // a single part longer than the column still wraps rather than overflowing the table.
    wordBreak: 'normal',
    overflowWrap: 'break-word',
  },
});

/** Characters after which a locator may break: the separators of paths, refs and keys. */
const SEPARATORS = /([./#:=,@\]])/;

/**
 * `metadata.annotations.acme.io/api-key` split into parts, with a line-break opportunity
 * (`<wbr>`) after every separator. The text (and copy and paste) stays unchanged.
 */
export function breakableParts(text: string): string[] {
  const parts: string[] = [];
  for (const piece of text.split(SEPARATORS)) {
    if (!piece) continue;
    if (SEPARATORS.test(piece) && parts.length) {
      parts[parts.length - 1] += piece;
    } else {
      parts.push(piece);
    }
  }
  return parts;
}

/** Monospace text that wraps at separators, for check ids, locations and field paths. */
export function BreakableText(props: { text: string; className?: string }) {
  const parts = breakableParts(props.text);
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {part}
          {i < parts.length - 1 ? <wbr /> : null}
        </Fragment>
      ))}
    </>
  );
}

/** A locator (check id, finding location, field path) in a table cell or caption. */
export function Locator(props: {
  text: string;
  /** `caption` below a title; `inline` inside a cell of its own. */
  variant?: 'caption' | 'inline';
  'data-testid'?: string;
}) {
  const classes = useStyles();
  if (props.variant === 'inline') {
    return (
      <span className={classes.locator} data-testid={props['data-testid']}>
        <BreakableText text={props.text} />
      </span>
    );
  }
  return (
    <Typography
      variant="caption"
      component="p"
      className={classes.locator}
      data-testid={props['data-testid']}
    >
      <BreakableText text={props.text} />
    </Typography>
  );
}
