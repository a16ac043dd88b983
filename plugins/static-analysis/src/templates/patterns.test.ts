import {
  patternConstrainsPath,
  patternConstrainsToken,
  patternConstrainsUrl,
  profilePattern,
} from './patterns';

const path = (p: string) => patternConstrainsPath(profilePattern(p)).constrains;
const url = (p: string) => patternConstrainsUrl(profilePattern(p)).constrains;
const token = (p: string) =>
  patternConstrainsToken(profilePattern(p)).constrains;

describe('pattern analysis', () => {
  it('credits anchored patterns that exclude traversal', () => {
    expect(path('^[a-z][a-z0-9-]{1,30}$')).toBe(true);
    expect(path('^[a-z0-9-]+(/[a-z0-9-]+)*$')).toBe(true); // slashes but no dots
    expect(path('^[a-z][a-z0-9.-]*$')).toBe(true); // dots but no slash, cannot start with '.'
    expect(path('^\\w+$')).toBe(true);
  });

  it('does not credit patterns that allow traversal or are not anchored', () => {
    expect(path('.*')).toBe(false);
    expect(path('[a-z]+')).toBe(false); // unanchored: jsonschema searches
    expect(path('^[a-z]+')).toBe(false);
    expect(path('^[a-z./]+$')).toBe(false);
    expect(path('^[^/]+$')).toBe(false); // negated class allows '..'
    expect(path('^[a-z]+$|^.*$')).toBe(false); // top-level alternation undoes the anchors
    expect(path('^(?!.*\\.\\.)[a-z/.]+$')).toBe(false); // lookarounds are not modelled
    expect(path('^/[a-z]+$')).toBe(false); // absolute
    expect(path('^.?[a-z]+$')).toBe(false);
  });

  it('credits host-pinning and token-only patterns for URLs', () => {
    expect(url('^https://github\\.com/acme/[a-z0-9-]+$')).toBe(true);
    expect(url('^[a-z0-9-]+$')).toBe(true);
    expect(url('^https://.*$')).toBe(false);
    expect(url('^https://github\\.com.*$')).toBe(false);
    expect(url('^[a-z0-9.:/-]+$')).toBe(false);
  });

  it('credits only plain tokens for commands and workflow inputs', () => {
    expect(token('^[a-z][a-z0-9-]{0,40}$')).toBe(true);
    expect(token('^[a-z0-9-]+$')).toBe(false); // may start with '-': option injection
    expect(token('^[a-z ]+$')).toBe(false);
    expect(token('^[\\w.]+$')).toBe(true);
    expect(token('^\\S+$')).toBe(false);
  });

  it('stays linear on hostile patterns', () => {
    const start = Date.now();
    profilePattern(
      `^${'('.repeat(50_000)}[a-${'\\'.repeat(50_000)}${'{'.repeat(50_000)}`,
    );
    expect(Date.now() - start).toBeLessThan(2000);
  });
});
