import { screen, waitFor } from '@testing-library/react';
import { Entity } from '@backstage/catalog-model';
import { renderWithBackend, setupBackend } from '../../__testUtils__';
import { SourceLinks, sourceLinks } from './SourceLinks';

setupBackend();

function component(name: string, annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', owner: 'group:default/payments-checkout', lifecycle: 'production' },
  };
}

describe('sourceLinks', () => {
  it('takes the edit URL and url: source locations, http(s) only', () => {
    expect(
      sourceLinks(
        component('a', {
          'backstage.io/edit-url': 'https://github.com/acme/a/edit/main/catalog-info.yaml',
          'backstage.io/source-location': 'url:https://github.com/acme/a/tree/main/',
        }),
      ),
    ).toEqual({
      edit: 'https://github.com/acme/a/edit/main/catalog-info.yaml',
      source: 'https://github.com/acme/a/tree/main/',
    });
    expect(
      sourceLinks(
        component('b', {
          // eslint-disable-next-line no-script-url
          'backstage.io/edit-url': 'javascript:alert(1)',
          'backstage.io/source-location': 'file:/etc/passwd',
        }),
      ),
    ).toEqual({ edit: undefined, source: undefined });
    expect(sourceLinks(undefined)).toEqual({ edit: undefined, source: undefined });
  });
});

describe('SourceLinks', () => {
  it("links to where the entity's definition is edited and its source", async () => {
    await renderWithBackend(<SourceLinks entityRef="component:default/payments-api" />, {
      catalogEntities: [
        component('payments-api', {
          'backstage.io/edit-url': 'https://github.com/acme/payments-api/edit/main/catalog-info.yaml',
          'backstage.io/source-location': 'url:https://github.com/acme/payments-api/tree/main/',
        }),
      ],
    });
    expect(await screen.findByTestId('finding-edit-source')).toHaveAttribute(
      'href',
      'https://github.com/acme/payments-api/edit/main/catalog-info.yaml',
    );
    expect(screen.getByTestId('finding-view-source')).toHaveAttribute(
      'href',
      'https://github.com/acme/payments-api/tree/main/',
    );
  });

  it('renders nothing for an entity the user cannot read or without the annotations', async () => {
    await renderWithBackend(
      <>
        <SourceLinks entityRef="component:default/hidden" />
        <SourceLinks entityRef="component:default/plain" />
      </>,
      { catalogEntities: [component('plain', {})] },
    );
    await waitFor(() => expect(screen.queryByTestId('finding-source-links')).toBeNull());
  });
});
