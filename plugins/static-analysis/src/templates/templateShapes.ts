export const MAX_INPUT_DEPTH = 32;
const MAX_LEAVES_PER_STEP = 5000;

/** One scalar of a step input, with its path. */
export interface Leaf {
  segments: string[];
  /** For locations: `files[0].from` */
  display: string;
  value: unknown;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function entityRefOf(doc: Record<string, unknown>): string {
  const metadata = isObject(doc.metadata) ? doc.metadata : {};
  const name =
    typeof metadata.name === 'string' && metadata.name
      ? metadata.name
      : '<unnamed>';
  const namespace =
    typeof metadata.namespace === 'string' && metadata.namespace
      ? metadata.namespace
      : 'default';
  return `template:${namespace}/${name}`;
}

export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'a string';
  return String(value);
}

export function joinDisplay(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  const plain = /^[A-Za-z_$][\w$-]*$/.test(key);
  if (!base) return plain ? key : `[${JSON.stringify(key)}]`;
  return plain ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/** Leaves of a step input, bounded in depth and count. */
export function collectLeaves(input: unknown, problems: string[]): Leaf[] {
  const leaves: Leaf[] = [];
  const walk = (
    value: unknown,
    segments: string[],
    display: string,
    depth: number,
  ) => {
    if (leaves.length >= MAX_LEAVES_PER_STEP) return;
    if (depth > MAX_INPUT_DEPTH) {
      if (problems.length < 3)
        problems.push(
          `'${display.slice(0, 80)}${
            display.length > 80 ? '…' : ''
          }' is nested deeper than ${MAX_INPUT_DEPTH} levels`,
        );
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((v, i) =>
        walk(v, [...segments, '*'], joinDisplay(display, i), depth + 1),
      );
    } else if (isObject(value)) {
      for (const [key, v] of Object.entries(value))
        walk(v, [...segments, key], joinDisplay(display, key), depth + 1);
    } else {
      leaves.push({ segments, display, value });
    }
  };
  walk(input, [], '', 0);
  if (leaves.length >= MAX_LEAVES_PER_STEP) {
    problems.push(
      `has more than ${MAX_LEAVES_PER_STEP} values; the rest was not analysed`,
    );
  }
  return leaves;
}
