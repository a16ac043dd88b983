import {
  TEMPLATE_RULE_IDS,
  TemplateRuleId,
} from '@security-posture/plugin-security-posture-common';
import fs from 'fs';
import path from 'path';
import { parse } from 'yaml';
import { analyzeTemplateSource } from './templateSource';

/**
 * Runs the analyser over the hand-written fixture set in dev/fixtures/templates and compares it
 * with dev/fixtures/templates/expected.yaml (written from each template's security meaning).
 * Findings are matched on (file, document, rule, step, parameter).
 */

const FIXTURES = path.resolve(
  __dirname,
  '../../../../dev/fixtures/templates',
);

interface ExpectedFinding {
  rule: TemplateRuleId;
  step: string;
  parameter: string;
  doc?: number;
}

interface Expected {
  fixtures: Record<string, { findings: ExpectedFinding[]; strict?: string[] }>;
}

// Floors the analyser meets today; they fail when a change makes it miss or over-report.
const MIN_OVERALL_PRECISION = 0.95;
const MIN_OVERALL_RECALL = 0.95;
const MIN_RULE_PRECISION = 0.8;
const MIN_RULE_RECALL = 0.8;

const key = (
  file: string,
  doc: number,
  rule: string,
  step: string,
  parameter: string,
) => JSON.stringify([file, doc, rule, step, parameter]);

function loadExpected(): Expected {
  return parse(
    fs.readFileSync(path.join(FIXTURES, 'expected.yaml'), 'utf8'),
  ) as Expected;
}

function analyseAll(files: string[]) {
  const actual = new Set<string>();
  const named = new Map<string, Set<string>>();
  const places = new Set<string>();
  const duplicates: string[] = [];
  for (const file of files) {
    const source = fs.readFileSync(path.join(FIXTURES, file), 'utf8');
    const names = new Set<string>();
    for (const analysis of analyzeTemplateSource(source, { name: file })) {
      for (const f of analysis.findings) {
        // One finding per rule and input lists every parameter that reaches it.
        for (const parameter of f.parameters ?? [f.parameter ?? '-']) {
          actual.add(
            key(file, analysis.document, f.rule, f.stepId ?? '-', parameter),
          );
          if (parameter !== '-') names.add(parameter);
        }
        const place = `${file}|${analysis.document}|${f.rule}|${f.location}`;
        if (places.has(place)) duplicates.push(place);
        places.add(place);
      }
      // Parse problems are diagnostics, expected under the parse-error rule id.
      for (const d of analysis.diagnostics) {
        actual.add(
          key(file, analysis.document, 'parse-error', d.stepId ?? '-', '-'),
        );
      }
    }
    named.set(file, names);
  }
  return { actual, named, duplicates };
}

describe('template analyser on the fixture set', () => {
  const expected = loadExpected();
  const files = fs
    .readdirSync(FIXTURES)
    .filter(f => f.endsWith('.yaml') && f !== 'expected.yaml')
    .sort();
  const { actual, named, duplicates } = analyseAll(files);
  const wanted = new Set<string>();
  for (const [file, entry] of Object.entries(expected.fixtures)) {
    for (const f of entry.findings) {
      wanted.add(
        key(file, f.doc ?? 0, f.rule, String(f.step), String(f.parameter)),
      );
    }
  }

  it('has at least 30 fixtures, each with expectations', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(files.filter(f => !(f in expected.fixtures))).toEqual([]);
    expect(
      Object.keys(expected.fixtures).filter(f => !files.includes(f)),
    ).toEqual([]);
  });

  it('reports one finding per rule and input, and parse problems only as diagnostics', () => {
    expect(duplicates).toEqual([]);
    for (const file of files) {
      const source = fs.readFileSync(path.join(FIXTURES, file), 'utf8');
      for (const analysis of analyzeTemplateSource(source, { name: file })) {
        expect(analysis.findings.filter(f => f.rule === 'parse-error')).toEqual(
          [],
        );
      }
    }
  });

  it('meets precision and recall per rule', () => {
    const rows: string[] = [];
    const perRule: Array<{ rule: string; tp: number; fp: number; fn: number }> =
      [];
    for (const rule of TEMPLATE_RULE_IDS) {
      const ofRule = (k: string) => JSON.parse(k)[2] === rule;
      const got = [...actual].filter(ofRule);
      const want = [...wanted].filter(ofRule);
      const tp = got.filter(k => wanted.has(k)).length;
      perRule.push({ rule, tp, fp: got.length - tp, fn: want.length - tp });
    }
    const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
    for (const { rule, tp, fp, fn } of perRule) {
      rows.push(
        `${rule.padEnd(28)} tp ${String(tp).padStart(3)}  fp ${String(
          fp,
        ).padStart(3)}  fn ${String(fn).padStart(3)}  precision ${ratio(
          tp,
          tp + fp,
        ).toFixed(2)}  recall ${ratio(tp, tp + fn).toFixed(2)}`,
      );
    }
    const tp = perRule.reduce((s, r) => s + r.tp, 0);
    const fp = perRule.reduce((s, r) => s + r.fp, 0);
    const fn = perRule.reduce((s, r) => s + r.fn, 0);
    rows.push(
      `${'overall'.padEnd(28)} tp ${String(tp).padStart(3)}  fp ${String(
        fp,
      ).padStart(3)}  fn ${String(fn).padStart(3)}  precision ${ratio(
        tp,
        tp + fp,
      ).toFixed(2)}  recall ${ratio(tp, tp + fn).toFixed(2)}`,
    );
    const misses = [...wanted]
      .filter(k => !actual.has(k))
      .map(k => `  missed: ${k}`);
    const extras = [...actual]
      .filter(k => !wanted.has(k))
      .map(k => `  extra:  ${k}`);
    // eslint-disable-next-line no-console
    console.log(
      `Template analyser on ${files.length} fixtures (${
        wanted.size
      } expected findings)\n${rows.join('\n')}\n${[...misses, ...extras].join(
        '\n',
      )}`,
    );

    expect(ratio(tp, tp + fp)).toBeGreaterThanOrEqual(MIN_OVERALL_PRECISION);
    expect(ratio(tp, tp + fn)).toBeGreaterThanOrEqual(MIN_OVERALL_RECALL);
    for (const r of perRule) {
      expect({
        rule: r.rule,
        precision: ratio(r.tp, r.tp + r.fp) >= MIN_RULE_PRECISION,
      }).toEqual({
        rule: r.rule,
        precision: true,
      });
      expect({
        rule: r.rule,
        recall: ratio(r.tp, r.tp + r.fn) >= MIN_RULE_RECALL,
      }).toEqual({
        rule: r.rule,
        recall: true,
      });
    }
    // Every rule is exercised by at least one expected finding.
    expect(perRule.filter(r => r.tp + r.fn === 0).map(r => r.rule)).toEqual([]);
  });

  it('never flags a strictly validated parameter', () => {
    const flagged: string[] = [];
    for (const [file, entry] of Object.entries(expected.fixtures)) {
      for (const parameter of entry.strict ?? []) {
        if (named.get(file)?.has(parameter))
          flagged.push(`${file}: ${parameter}`);
      }
    }
    expect(flagged).toEqual([]);
  });

  it('keeps safe fixtures at score 0 and ranks malicious ones above subtle ones', () => {
    const scoreOf = (file: string) =>
      Math.max(
        ...analyzeTemplateSource(
          fs.readFileSync(path.join(FIXTURES, file), 'utf8'),
          { name: file },
        ).map(a => a.score),
      );
    const group = (prefix: string) =>
      files.filter(f => f.startsWith(prefix)).map(scoreOf);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(group('safe-')).toEqual(group('safe-').map(() => 0));
    expect(mean(group('malicious-'))).toBeGreaterThan(mean(group('subtle-')));
  });
});
