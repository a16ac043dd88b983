import {
  inspectedValueRanges,
  parseFieldPath,
  parseYamlSource,
  spanOfField,
  spanOfValueInField,
} from './yamlSource';

const TEMPLATE = `# a comment
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: demo
  annotations:
    "vault.io/path": secret/data/demo
spec:
  steps:
    - id: fetch
      action: fetch:plain
      input:
        url: \${{ parameters.url }}
        files:
          - a.txt
          - "b.txt"
    - id: "1"
      action: debug:log
---
second: doc
token: |
  line one ghp_abc
  line two
`;

describe('parseFieldPath', () => {
  it('splits the path forms the checks write', () => {
    expect(parseFieldPath('metadata.annotations["vault.io/path"]#secret-reference')).toEqual([
      { type: 'key', key: 'metadata' },
      { type: 'key', key: 'annotations' },
      { type: 'key', key: 'vault.io/path' },
    ]);
    expect(parseFieldPath('steps[fetch].input.files[1]')).toEqual([
      { type: 'key', key: 'steps' },
      { type: 'bracket', text: 'fetch' },
      { type: 'key', key: 'input' },
      { type: 'key', key: 'files' },
      { type: 'index', index: 1 },
    ]);
    expect(parseFieldPath('a["x\\"]y"].b')).toEqual([
      { type: 'key', key: 'a' },
      { type: 'key', key: 'x"]y' },
      { type: 'key', key: 'b' },
    ]);
  });
});

describe('positions', () => {
  const source = parseYamlSource(TEMPLATE);
  const doc = source.documents[0].document;

  it('finds quoted annotation keys and their values', () => {
    const span = spanOfField(source, doc, 'metadata.annotations["vault.io/path"]#x');
    expect(span).toMatchObject({ start: { line: 7, column: 22 }, complete: true });
  });

  it('finds template steps by id (template locations start at steps[<id>])', () => {
    expect(spanOfField(source, doc, 'steps[fetch].input.url').start).toEqual({
      line: 13,
      column: 14,
    });
    expect(spanOfField(source, doc, 'steps[fetch].input.files[1]').start).toEqual({
      line: 16,
      column: 13,
    });
    // A step whose id is all digits is found by id, not by index.
    expect(spanOfField(source, doc, 'steps[1].action').start).toEqual({ line: 18, column: 15 });
    expect(spanOfField(source, doc, 'spec.steps[0].action').start).toEqual({
      line: 11,
      column: 15,
    });
  });

  it('points at the deepest existing key when the path ends early', () => {
    const span = spanOfField(source, doc, 'spec.owner');
    expect(span).toMatchObject({ start: { line: 8, column: 1 }, complete: false, depth: 1 });
  });

  it('finds a value inside a field, also in the first line of a block scalar', () => {
    const second = source.documents[1];
    expect(second.index).toBe(1);
    expect(
      spanOfValueInField(source, second.document, 'token', 'line one ghp_abc\nline two\n'),
    ).toMatchObject({ start: { line: 22, column: 3 } });
    expect(
      spanOfValueInField(source, doc, 'steps[fetch].input.url', 'parameters.url').start,
    ).toEqual({ line: 13, column: 18 });
  });

  it('keeps YAML errors per document with their offset', () => {
    const broken = parseYamlSource('a: 1\n---\nb: [1,\n---\nc: 3\n');
    expect(broken.documents.map(d => !!d.error)).toEqual([false, true, false]);
    expect(broken.documents[2].value).toEqual({ c: 3 });
  });

  it('lists the value ranges the entity checks inspect: metadata (not the name) and spec', () => {
    const ranges = inspectedValueRanges(doc);
    const covered = (text: string) => {
      const at = TEMPLATE.indexOf(text);
      return ranges.some(([from, to]) => at >= from && at < to);
    };
    expect(covered('secret/data/demo')).toBe(true);
    expect(covered('fetch:plain')).toBe(true);
    expect(covered('demo\n')).toBe(false);
    expect(covered('a comment')).toBe(false);
    expect(covered('Template')).toBe(false);
  });
});

describe('merge keys and includes', () => {
  const source = parseYamlSource(`spec:
  steps:
    - &base
      id: a
      action: fetch:plain
      input:
        url: ./base
    - <<: *base
      id: b
    - $yaml: ./more.yaml
`);
  const doc = source.documents[0];

  it('applies merge keys in the value and follows them in the source', () => {
    expect((doc.value as any).spec.steps[1]).toMatchObject({ id: 'b', action: 'fetch:plain' });
    // steps[b].action is written in the anchored step: the span points there.
    expect(spanOfField(source, doc.document, 'steps[b].action')).toMatchObject({
      start: { line: 5, column: 15 },
      complete: true,
    });
  });

  it('stops at a placeholder, naming it, and finds included steps through the resolved value', () => {
    const resolved = {
      spec: { steps: [{ id: 'a' }, { id: 'b' }, { id: 'c', action: 'debug:log' }] },
    };
    expect(spanOfField(source, doc.document, 'steps[c].action', resolved)).toMatchObject({
      start: { line: 10, column: 7 },
      complete: false,
      placeholder: { key: '$yaml', ref: './more.yaml' },
    });
  });
});
