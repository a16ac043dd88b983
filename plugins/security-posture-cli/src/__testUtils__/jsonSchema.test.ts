import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from './jsonSchema';

// The validator the SARIF test relies on must reject what the schema forbids.
const schema = JSON.parse(
  readFileSync(join(__dirname, '../__fixtures__/sarif/sarif-2.1.0-rtm.5.json'), 'utf8'),
);

const minimal = () => ({
  version: '2.1.0',
  runs: [
    {
      tool: { driver: { name: 'x', rules: [{ id: 'a/b' }] } },
      results: [
        {
          ruleId: 'a/b',
          level: 'error',
          message: { text: 'm' },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: 'dev/x.yaml' },
                region: { startLine: 1, startColumn: 1 },
              },
            },
          ],
        },
      ],
    },
  ],
});

describe('JSON schema validator (draft-04 subset) against the SARIF schema', () => {
  it('accepts a minimal valid log', () => {
    expect(validate(schema, minimal())).toEqual([]);
  });

  it.each([
    ['a wrong version', (log: any) => (log.version = '2.0.0')],
    ['a missing tool', (log: any) => delete log.runs[0].tool],
    ['an unknown result property', (log: any) => (log.runs[0].results[0].severity = 'high')],
    ['an invalid level', (log: any) => (log.runs[0].results[0].level = 'fatal')],
    [
      'a line number below 1',
      (log: any) => (log.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0),
    ],
    ['a message without text or id', (log: any) => (log.runs[0].results[0].message = {})],
    ['a non-URI $schema', (log: any) => (log.$schema = 'not a uri')],
  ])('rejects %s', (_, mutate) => {
    const log = minimal();
    mutate(log);
    expect(validate(schema, log).length).toBeGreaterThan(0);
  });

  it('refuses schema keywords it does not implement', () => {
    expect(() => validate({ patternProperties: {} }, {})).toThrow('unsupported schema keyword');
  });
});
