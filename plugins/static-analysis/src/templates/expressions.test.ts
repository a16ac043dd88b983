import { parseTemplateValue } from './expressions';

const refs = (source: string) =>
  parseTemplateValue(source).refs.map(
    r =>
      `${r.root}.${r.path.join('.')}${
        r.filters.length ? `|${r.filters.join('|')}` : ''
      }`,
  );

describe('parseTemplateValue', () => {
  it('reads members, bracket access, filter chains and concatenation', () => {
    expect(refs('${{ parameters.a | replace("../", "") | lower }}/x')).toEqual([
      'parameters.a|replace|lower',
    ]);
    expect(
      refs("${{ steps['fetch-base'].output.entity.metadata.name }}"),
    ).toEqual(['steps.fetch-base.output.entity.metadata.name']);
    expect(refs('${{ parameters.a ~ "-" + secrets.token }}').sort()).toEqual([
      'parameters.a',
      'secrets.token',
    ]);
    expect(
      refs(
        '${{ each.value.name }} ${{ user.entity.metadata.name }} ${{ environment.parameters.region }}',
      ),
    ).toEqual([
      'each.value.name',
      'user.entity.metadata.name',
      'environment.parameters.region',
    ]);
  });

  it('separates values that flow from values that only decide', () => {
    const parsed = parseTemplateValue(
      '${{ parameters.a if parameters.flag else "fixed" }}',
    );
    expect(parsed.refs.map(r => r.path[0])).toEqual(['a']);
    expect(parsed.conditionRefs.map(r => r.path[0])).toEqual(['flag']);
    const compare = parseTemplateValue(
      "${{ parameters.name == 'x-backdoor' }}",
    );
    expect(compare.refs).toEqual([]);
    expect(compare.comparisons).toEqual([
      {
        ref: { root: 'parameters', path: ['name'], filters: [] },
        literal: 'x-backdoor',
      },
    ]);
  });

  it('follows values through {% for %} and {% set %} blocks', () => {
    expect(
      refs('{% for f in parameters.files %}${{ f.path }} {% endfor %}'),
    ).toEqual(['parameters.files.*.path']);
    expect(refs('{% set p = parameters.dir %}${{ p }}/x')).toEqual([
      'parameters.dir',
    ]);
  });

  it('marks numeric results and method calls', () => {
    expect(refs('${{ parameters.count | int }}')).toEqual([
      'parameters.count|int',
    ]);
    expect(refs('${{ parameters.count * 2 }}')).toEqual([
      'parameters.count|#numeric',
    ]);
    expect(refs("${{ parameters.path.split('/')[0] }}")).toEqual([
      'parameters.path|#call|#member',
    ]);
  });

  it('knows when the prefix pins scheme and host', () => {
    expect(
      parseTemplateValue('https://github.com/acme/${{ parameters.name }}')
        .hostPinned,
    ).toBe(true);
    expect(
      parseTemplateValue('https://${{ parameters.host }}/x').hostPinned,
    ).toBe(false);
    expect(
      parseTemplateValue('https://github.com${{ parameters.path }}').hostPinned,
    ).toBe(false);
    expect(
      parseTemplateValue('https://user@evil/${{ parameters.p }}').hostPinned,
    ).toBe(false);
  });

  it('tells single expressions from text', () => {
    expect(parseTemplateValue('${{ parameters.list }}').onlyExpression).toBe(
      true,
    );
    expect(parseTemplateValue('./${{ parameters.list }}').onlyExpression).toBe(
      false,
    );
    expect(parseTemplateValue('plain').hasExpression).toBe(false);
  });

  it('flags handlebars leftovers in v1beta3 and parses v1beta2 best-effort', () => {
    expect(parseTemplateValue('{{ parameters.name }}').legacyHandlebars).toBe(
      true,
    );
    expect(parseTemplateValue('${{ parameters.name }}').legacyHandlebars).toBe(
      false,
    );
    const legacy = parseTemplateValue(
      '{{#if parameters.x}}{{ parameters.y }}{{/if}}',
      'handlebars',
    );
    expect(legacy.error).toBeDefined();
    expect(legacy.refs.map(r => r.path[0]).sort()).toEqual(['x', 'y']);
  });

  it('reports syntax errors and falls back to a linear scan', () => {
    const parsed = parseTemplateValue('${{ parameters.target | }}');
    expect(parsed.error).toMatch(/expected/);
    expect(parsed.refs.map(r => r.path[0])).toEqual(['target']);
  });

  it('refuses hostile nesting and size without blowing the stack', () => {
    const deep = `\${{ ${'('.repeat(20_000)}parameters.x${')'.repeat(
      20_000,
    )} }}`;
    expect(parseTemplateValue(deep).error).toMatch(/nesting/);
    const huge = `\${{ parameters.x }}${'a'.repeat(200_000)}`;
    expect(parseTemplateValue(huge).error).toMatch(/characters long/);
    const start = Date.now();
    parseTemplateValue(`\${{ ${'parameters.'.repeat(6000)}x }}`);
    expect(Date.now() - start).toBeLessThan(5000);
  });
});
