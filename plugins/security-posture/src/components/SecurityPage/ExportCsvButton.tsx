import { useState } from 'react';
import Button from '@material-ui/core/Button';
import GetAppIcon from '@material-ui/icons/GetApp';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { FindingsQuery } from '@security-posture/plugin-security-posture-common';
import { securityPostureApiRef } from '../../api';
import { saveDownload } from '../../utils/download';
import { errorMessage } from '../../utils/errors';

/** Downloads the findings visible to the user as CSV (with their credentials). */
export function ExportCsvButton(props: { query?: FindingsQuery }) {
  const api = useApi(securityPostureApiRef);
  const alertApi = useApi(alertApiRef);
  const [busy, setBusy] = useState(false);

  const onClick = async () => {
    setBusy(true);
    try {
      saveDownload(await api.downloadFindingsCsv(props.query));
    } catch (error) {
      alertApi.post({
        message: `CSV export failed: ${errorMessage(error)}`,
        severity: 'error',
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Button
      variant="outlined"
      color="primary"
      startIcon={<GetAppIcon />}
      onClick={onClick}
      disabled={busy}
      data-testid="export-csv-button"
    >
      Export CSV
    </Button>
  );
}
