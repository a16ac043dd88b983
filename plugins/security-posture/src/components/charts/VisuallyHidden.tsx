import { ReactNode } from 'react';

const style = {
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
  border: 0,
} as const;

/** Text for screen readers only: the data behind a chart. */
export function VisuallyHidden(props: { children: ReactNode }) {
  return <div style={style}>{props.children}</div>;
}
