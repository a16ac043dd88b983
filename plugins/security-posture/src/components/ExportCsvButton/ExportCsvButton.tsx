import { useState } from 'react';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import GetAppIcon from '@material-ui/icons/GetApp';
import { useApi } from '@backstage/core-plugin-api';
import { FindingsQuery } from '@security-posture/plugin-security-posture-common';
import {
  CsvDownload,
  SecurityPostureApi,
  securityPostureApiRef,
} from '../../api';
import { datedFilename, saveDownload } from '../../utils/download';
import { errorMessage } from '../../utils/errors';
import { useNotifyError } from '../../hooks/useNotifyError';

export type ExportCsvButtonProps = {
  label?: string;
  /** Replaces the server's file name (before the date), e.g. `security-posture-auth`. */
  filenameBase?: string;
  size?: 'small' | 'medium';
  'data-testid'?: string;
  /** Another export than findings (e.g. the team scorecards): how to fetch it. */
  download?: (api: SecurityPostureApi) => Promise<CsvDownload>;
} & (
  | { entityRef: string; query?: never }
  | { query?: Omit<FindingsQuery, 'limit' | 'offset'>; entityRef?: never }
);

/**
 * Downloads the server-generated CSV with the user's credentials and saves it under a dated
 * file name. What the file contains is decided by the server for this user.
 */
export function ExportCsvButton(props: ExportCsvButtonProps) {
  const { label = 'Export CSV', filenameBase, size = 'medium' } = props;
  const api = useApi(securityPostureApiRef);
  const notifyError = useNotifyError();
  const [busy, setBusy] = useState(false);

  const onClick = async () => {
    setBusy(true);
    try {
      let download: CsvDownload;
      if (props.download) download = await props.download(api);
      else if (props.entityRef) {
        download = await api.downloadEntityFindingsCsv(props.entityRef);
      } else download = await api.downloadFindingsCsv(props.query);
      const name = filenameBase ? `${filenameBase}.csv` : download.filename;
      saveDownload({ ...download, filename: datedFilename(name) });
    } catch (error) {
      notifyError('CSV export failed', errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Button
      variant="outlined"
      color="primary"
      size={size}
      startIcon={
        busy ? <CircularProgress size={16} aria-hidden /> : <GetAppIcon />
      }
      onClick={onClick}
      disabled={busy}
      aria-busy={busy}
      data-testid={props['data-testid'] ?? 'export-csv-button'}
    >
      {label}
    </Button>
  );
}
