import Box from '@material-ui/core/Box';
import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { useQuery } from '@tanstack/react-query';
import { securityPostureKeys } from '../../hooks/queryKeys';

const EDIT_URL = 'backstage.io/edit-url';
const SOURCE_LOCATION = 'backstage.io/source-location';

/** An http(s) URL to render as a link; anything else (javascript:, file:, …) is dropped. */
function webUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where to fix the entity: its `backstage.io/edit-url` and `backstage.io/source-location`
 * (`url:` locations only) annotations, as the catalog says them.
 */
export function sourceLinks(entity: Entity | undefined) {
  const annotations = entity?.metadata.annotations ?? {};
  const location = annotations[SOURCE_LOCATION];
  return {
    edit: webUrl(annotations[EDIT_URL]),
    source: location?.startsWith('url:') ? webUrl(location.slice(4)) : undefined,
  };
}

/**
 * "Edit source" and "View source" for a finding's entity, read from the catalog with the user's
 * own credentials (a user who may not read the entity gets no links). Renders nothing when the
 * entity has neither annotation.
 */
export function SourceLinks(props: { entityRef: string }) {
  const { entityRef } = props;
  const catalogApi = useApi(catalogApiRef);
  const { data } = useQuery({
    queryKey: securityPostureKeys.catalogEntity(entityRef),
    queryFn: async () => (await catalogApi.getEntityByRef(entityRef)) ?? null,
    staleTime: 60_000,
  });
  const links = sourceLinks(data ?? undefined);
  if (!links.edit && !links.source) return null;
  return (
    <Box display="flex" style={{ gap: 16 }} mt={1} data-testid="finding-source-links">
      {links.edit ? (
        <Link to={links.edit} data-testid="finding-edit-source">
          Edit source
        </Link>
      ) : null}
      {links.source ? (
        <Link to={links.source} data-testid="finding-view-source">
          View source
        </Link>
      ) : null}
    </Box>
  );
}
