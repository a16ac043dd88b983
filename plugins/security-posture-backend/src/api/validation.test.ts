import { InputError } from '@backstage/errors';
import { Request } from 'express';
import { refuseNulCharacters } from './validation';

function check(req: Partial<Request>): unknown {
  let passed = false;
  try {
    refuseNulCharacters()(req as Request, {} as never, () => {
      passed = true;
    });
  } catch (e) {
    return e;
  }
  return passed ? 'passed' : 'stopped';
}

describe('refuseNulCharacters', () => {
  it('refuses a NUL character in the path, a query parameter or the body, and lets the rest through', () => {
    expect(check({ url: '/findings?entityKind=%00' })).toBeInstanceOf(InputError);
    expect(check({ url: '/findings?owner=a%00b&x=1' })).toBeInstanceOf(InputError);
    expect(check({ url: '/findings?a%00=1' })).toBeInstanceOf(InputError);
    expect(check({ url: '/entities/component/default/a%00b/findings' })).toBeInstanceOf(
      InputError,
    );
    expect(check({ url: '/exemptions', body: { reason: 'fine', scope: { entityRef: 'a\u0000b' } } })).toBeInstanceOf(
      InputError,
    );
    expect(check({ url: '/exemptions', body: [{ ['k\u0000']: 1 }] })).toBeInstanceOf(InputError);

    expect(check({ url: '/findings?entityKind=component&text=%2500' })).toBe('passed');
    expect(check({ url: '/exemptions', body: { reason: 'bell \u0007', n: [1, null, { a: 'b' }] } })).toBe(
      'passed',
    );
  });

  it('reads deeply nested bodies without recursion', () => {
    let body: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) body = [body];
    expect(check({ url: '/exemptions', body })).toBeInstanceOf(InputError);
  });
});
