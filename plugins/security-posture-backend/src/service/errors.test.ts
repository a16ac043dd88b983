import { asError } from './errors';

describe('asError', () => {
  it('keeps errors as they are', () => {
    const error = new TypeError('boom');
    expect(asError(error)).toBe(error);
  });

  it('turns error-like objects into errors with their name and message', () => {
    const error = asError({ name: 'ResponseError', message: 'catalog said no' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ResponseError');
    expect(error.message).toBe('catalog said no');
  });

  it('turns anything else into an error with its text', () => {
    expect(asError('plain string').message).toBe('plain string');
    expect(asError(undefined).message).toBe('undefined');
  });
});
