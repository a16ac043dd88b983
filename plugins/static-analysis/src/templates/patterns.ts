/**
 * Decides whether a JSON-schema `pattern` really constrains a parameter. The scaffolder
 * validates task parameters server-side with `jsonschema`, which tests the pattern as an
 * unanchored search: only `^…$` patterns bound the whole value. The analysis is a single linear
 * pass over the pattern that computes which characters the pattern can match at all and at the
 * first position; anything it does not understand counts as "any character" (conservative).
 */

/** A set of characters: ASCII by code, everything else lumped together. */
export class CharSet {
  private readonly ascii = new Uint8Array(128);
  private other = false;

  static any(): CharSet {
    const set = new CharSet();
    set.ascii.fill(1);
    set.other = true;
    return set;
  }

  static of(chars: string): CharSet {
    const set = new CharSet();
    for (const c of chars) set.addChar(c);
    return set;
  }

  addChar(c: string) {
    const code = c.codePointAt(0) ?? 0;
    if (code < 128) this.ascii[code] = 1;
    else this.other = true;
  }

  addRange(from: number, to: number) {
    for (let code = from; code <= to; code++) {
      if (code < 128) this.ascii[code] = 1;
      else {
        this.other = true;
        break;
      }
    }
  }

  addAll(other: CharSet) {
    for (let i = 0; i < 128; i++) if (other.ascii[i]) this.ascii[i] = 1;
    if (other.other) this.other = true;
  }

  complement(): CharSet {
    const set = new CharSet();
    for (let i = 0; i < 128; i++) set.ascii[i] = this.ascii[i] ? 0 : 1;
    // A negated class matches most non-ASCII characters.
    set.other = true;
    return set;
  }

  has(c: string): boolean {
    const code = c.codePointAt(0) ?? 0;
    return code < 128 ? this.ascii[code] === 1 : this.other;
  }

  hasAny(chars: string): boolean {
    for (const c of chars) if (this.has(c)) return true;
    return false;
  }

  /** Every member is one of `allowed` (non-ASCII never is). */
  within(allowed: string): boolean {
    if (this.other) return false;
    const permitted = CharSet.of(allowed);
    for (let i = 0; i < 128; i++)
      if (this.ascii[i] && !permitted.ascii[i]) return false;
    return true;
  }
}

export interface PatternProfile {
  source: string;
  /** `^` at the start and `$` at the end, with no top-level alternation undoing them. */
  anchored: boolean;
  /** Characters the pattern can consume anywhere. */
  alphabet: CharSet;
  /** Characters the pattern can consume at the first position. */
  firstChars: CharSet;
  /** Literal text right after `^` (e.g. `https://github.com/acme/`). */
  literalPrefix: string;
  /** Lookarounds or backreferences: constraints this analysis does not model. */
  opaque: boolean;
}

const MAX_PATTERN = 2048;
const DIGITS = '0123456789';
const WORD = `abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ${DIGITS}_`;
const SPACE = ' \t\n\r\f\v';

function escapeSet(c: string): CharSet | undefined {
  switch (c) {
    case 'd':
      return CharSet.of(DIGITS);
    case 'w':
      return CharSet.of(WORD);
    case 's':
      return CharSet.of(SPACE);
    case 'D':
      return CharSet.of(DIGITS).complement();
    case 'W':
      return CharSet.of(WORD).complement();
    case 'S':
      return CharSet.of(SPACE).complement();
    case 'n':
      return CharSet.of('\n');
    case 't':
      return CharSet.of('\t');
    case 'r':
      return CharSet.of('\r');
    case 'f':
      return CharSet.of('\f');
    case 'v':
      return CharSet.of('\v');
    default:
      return undefined;
  }
}

/** Parses a `[...]` class starting at `start` (the `[`); returns the set and the index after `]`. */
function parseClass(p: string, start: number): { set: CharSet; end: number } {
  let i = start + 1;
  let negated = false;
  if (p[i] === '^') {
    negated = true;
    i++;
  }
  const set = new CharSet();
  let first = true;
  let previous: number | undefined;
  while (i < p.length && (p[i] !== ']' || first)) {
    first = false;
    let code: number;
    if (p[i] === '\\' && i + 1 < p.length) {
      const next = p[i + 1];
      if ('dwsDWS'.includes(next)) {
        set.addAll(escapeSet(next)!);
        previous = undefined;
        i += 2;
        continue;
      }
      if ('uxpPc'.includes(next)) {
        // Unicode escapes and properties: assume they can match anything.
        set.addAll(CharSet.any());
        previous = undefined;
        i += 2;
        continue;
      }
      const controls: Record<string, string> = {
        n: '\n',
        t: '\t',
        r: '\r',
        f: '\f',
        v: '\v',
      };
      code = (controls[next] ?? next).charCodeAt(0);
      i += 2;
    } else if (
      p[i] === '-' &&
      previous !== undefined &&
      i + 1 < p.length &&
      p[i + 1] !== ']'
    ) {
      let to = p.codePointAt(i + 1) ?? 0;
      let step = to > 0xffff ? 3 : 2;
      if (p[i + 1] === '\\' && i + 2 < p.length) {
        to = p.charCodeAt(i + 2);
        step = 3;
      }
      set.addRange(previous, to);
      previous = undefined;
      i += step;
      continue;
    } else {
      code = p.codePointAt(i) ?? 0;
      i += code > 0xffff ? 2 : 1;
    }
    set.addRange(code, code);
    previous = code;
  }
  return {
    set: negated ? set.complement() : set,
    end: Math.min(i + 1, p.length),
  };
}

/** Profiles a pattern in one linear pass. Unknown syntax widens the sets. */
export function profilePattern(pattern: string): PatternProfile {
  const p =
    pattern.length > MAX_PATTERN ? pattern.slice(0, MAX_PATTERN) : pattern;
  const alphabet = new CharSet();
  let firstChars: CharSet | undefined;
  let firstOptional = false;
  let opaque = pattern.length > MAX_PATTERN;
  let topLevelAlternation = false;
  let anchoredStart = p.startsWith('^');
  let anchoredEnd = false;
  let literalPrefix = '';
  let prefixOpen = anchoredStart;
  // Group stack: true for lookarounds, whose content consumes nothing.
  const groups: boolean[] = [];
  const groupStarts: number[] = [];
  let lastClosedGroupStart = -1;
  let i = anchoredStart ? 1 : 0;
  let atomsSeen = 0;

  const consume = (set: CharSet, literal?: string) => {
    const inLookaround = groups.includes(true);
    if (inLookaround) return;
    alphabet.addAll(set);
    if (atomsSeen === 0 || firstOptional) {
      if (!firstChars) firstChars = new CharSet();
      firstChars.addAll(set);
      firstOptional = false;
    }
    atomsSeen++;
    if (prefixOpen && literal !== undefined && groups.length === 0)
      literalPrefix += literal;
    else prefixOpen = false;
  };

  while (i < p.length) {
    const c = p[i];
    if (c === '\\' && i + 1 < p.length) {
      const next = p[i + 1];
      const escaped = escapeSet(next);
      if (next === 'b' || next === 'B') {
        i += 2;
        continue;
      }
      if (/[1-9k]/.test(next)) {
        opaque = true;
        consume(CharSet.any());
      } else if (
        next === 'u' ||
        next === 'x' ||
        next === 'p' ||
        next === 'P' ||
        next === 'c'
      ) {
        consume(CharSet.any());
      } else if (escaped) {
        consume(escaped);
      } else {
        consume(CharSet.of(next), next);
      }
      i += 2;
    } else if (c === '[') {
      const { set, end } = parseClass(p, i);
      consume(set);
      i = end;
    } else if (c === '(') {
      let lookaround = false;
      if (
        p.startsWith('(?=', i) ||
        p.startsWith('(?!', i) ||
        p.startsWith('(?<=', i) ||
        p.startsWith('(?<!', i)
      ) {
        lookaround = true;
        opaque = true;
      }
      groups.push(lookaround);
      groupStarts.push(atomsSeen);
      prefixOpen = false;
      if (p.startsWith('(?:', i)) i += 3;
      else if (p.startsWith('(?<=', i) || p.startsWith('(?<!', i)) i += 4;
      else if (p.startsWith('(?=', i) || p.startsWith('(?!', i)) i += 3;
      else if (p.startsWith('(?<', i)) {
        const close = p.indexOf('>', i);
        i = close < 0 ? p.length : close + 1;
      } else i += 1;
    } else if (c === ')') {
      groups.pop();
      lastClosedGroupStart = groupStarts.pop() ?? -1;
      i++;
      if (!'*?+{'.includes(p[i] ?? '')) lastClosedGroupStart = -1;
    } else if (c === '|') {
      if (groups.length === 0) topLevelAlternation = true;
      // The first position of any branch may start the match.
      firstOptional = true;
      prefixOpen = false;
      i++;
    } else if (c === '*' || c === '?' || c === '+' || c === '{') {
      let min = c === '+' ? 1 : 0;
      let end = i + 1;
      if (c === '{') {
        const close = p.indexOf('}', i);
        const body = close < 0 ? '' : p.slice(i + 1, close);
        if (!/^\d{1,6}(?:,\d{0,6})?$/.test(body)) {
          // A literal `{`.
          consume(CharSet.of('{'), '{');
          i++;
          continue;
        }
        min = Number(body.split(',')[0]);
        end = close + 1;
      }
      if (p[end] === '?' || p[end] === '+') end++;
      // A quantified atom is not a fixed literal; an optional first atom lets the next one lead.
      if (prefixOpen) {
        literalPrefix = literalPrefix.slice(0, -1);
        prefixOpen = false;
      }
      if (min === 0 && (atomsSeen === 1 || lastClosedGroupStart === 0))
        firstOptional = true;
      lastClosedGroupStart = -1;
      i = end;
    } else if (c === '$') {
      if (i === p.length - 1 && groups.length === 0) anchoredEnd = true;
      i++;
    } else if (c === '^') {
      i++;
    } else if (c === '.') {
      consume(CharSet.any());
      i++;
    } else {
      const code = p.codePointAt(i) ?? 0;
      const ch = String.fromCodePoint(code);
      consume(CharSet.of(ch), ch);
      i += ch.length;
    }
  }
  if (topLevelAlternation) {
    anchoredStart = false;
    anchoredEnd = false;
  }
  return {
    source: pattern,
    anchored: anchoredStart && anchoredEnd,
    alphabet,
    // A pattern that can match the empty string, or whose first atom is optional, may start with
    // whatever follows; be conservative.
    firstChars: !firstChars || firstOptional ? CharSet.any() : firstChars,
    literalPrefix,
    opaque,
  };
}

/** Characters with meaning to a shell, a URL parser or an argument parser. */
const TOKEN_CHARS = `${WORD}.-`;

export type PatternVerdict = { constrains: boolean; reason: string };

function describe(profile: PatternProfile) {
  return `pattern '${
    profile.source.length > 80
      ? `${profile.source.slice(0, 80)}…`
      : profile.source
  }'`;
}

/** Can a value matching the pattern climb out of a directory (`..`, `/abs`, `\`)? */
export function patternConstrainsPath(profile: PatternProfile): PatternVerdict {
  const what = describe(profile);
  if (!profile.anchored)
    return { constrains: false, reason: `${what} is not anchored with ^…$` };
  const dots =
    profile.alphabet.has('.') &&
    (profile.alphabet.has('/') || profile.firstChars.has('.'));
  if (dots)
    return { constrains: false, reason: `${what} allows '..' path segments` };
  if (profile.firstChars.hasAny('/~')) {
    return {
      constrains: false,
      reason: `${what} allows an absolute path or '~'`,
    };
  }
  if (profile.alphabet.has('\\'))
    return { constrains: false, reason: `${what} allows '\\'` };
  if (!profile.alphabet.has('.')) {
    return { constrains: true, reason: `${what} is anchored and excludes '.'` };
  }
  return {
    constrains: true,
    reason: `${what} is anchored, excludes '/' and cannot start with '.'`,
  };
}

/** Can a value matching the pattern change where a URL points? */
export function patternConstrainsUrl(profile: PatternProfile): PatternVerdict {
  const what = describe(profile);
  if (!profile.anchored)
    return { constrains: false, reason: `${what} is not anchored with ^…$` };
  if (
    /^[a-z][a-z0-9+.-]{0,20}:\/\/[^/\s?#@\\]{1,253}\//i.test(
      profile.literalPrefix,
    )
  ) {
    return {
      constrains: true,
      reason: `${what} pins scheme and host '${profile.literalPrefix}'`,
    };
  }
  if (
    !profile.alphabet.hasAny(':/@\\?#%') &&
    !profile.alphabet.hasAny(' \t\r\n')
  ) {
    return {
      constrains: true,
      reason: `${what} is anchored and excludes ':', '/', '@', '?', '#' and '%'`,
    };
  }
  return {
    constrains: false,
    reason: `${what} allows a scheme, host or path separators`,
  };
}

/** Is a value matching the pattern a plain token (no shell syntax, no leading option dash)? */
export function patternConstrainsToken(
  profile: PatternProfile,
): PatternVerdict {
  const what = describe(profile);
  if (!profile.anchored)
    return { constrains: false, reason: `${what} is not anchored with ^…$` };
  if (!profile.alphabet.within(TOKEN_CHARS)) {
    return {
      constrains: false,
      reason: `${what} allows characters beyond [A-Za-z0-9._-]`,
    };
  }
  if (profile.firstChars.has('-')) {
    return {
      constrains: false,
      reason: `${what} allows a leading '-' (option injection)`,
    };
  }
  return {
    constrains: true,
    reason: `${what} is anchored and allows only [A-Za-z0-9._-]`,
  };
}
