import { render } from '@testing-library/react';
import { breakableParts, Locator } from './Locator';

describe('Locator', () => {
  it('splits after separators, never inside a word', () => {
    expect(
      breakableParts('metadata.annotations.acme.io/aws-secret-access-key'),
    ).toEqual([
      'metadata.',
      'annotations.',
      'acme.',
      'io/',
      'aws-secret-access-key',
    ]);
    expect(breakableParts('catalog/leaked-secret')).toEqual([
      'catalog/',
      'leaked-secret',
    ]);
    expect(breakableParts('steps[run].input.command')).toEqual([
      'steps[run].',
      'input.',
      'command',
    ]);
    expect(breakableParts('plain')).toEqual(['plain']);
    expect(breakableParts('')).toEqual([]);
  });

  it('keeps the text and offers line breaks only at separators', () => {
    const { getByTestId } = render(
      <Locator
        text="metadata.annotations.payments.io/api-key#github-token"
        data-testid="loc"
      />,
    );
    const locator = getByTestId('loc');
    expect(locator).toHaveTextContent(
      'metadata.annotations.payments.io/api-key#github-token',
    );
    expect(locator.querySelectorAll('wbr')).toHaveLength(5);
    // No break anywhere inside a token (overflow-wrap: anywhere would allow one).
    expect(locator).toHaveStyle({
      wordBreak: 'normal',
      overflowWrap: 'break-word',
    });
  });
});
