import { useCallback } from 'react';
import { useSearchParams } from 'react-router-dom';
import Chip from '@material-ui/core/Chip';
import TablePagination from '@material-ui/core/TablePagination';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import {
  ChangeSinceType,
  CHANGE_SINCE_TYPES,
} from '@security-posture/plugin-security-posture-common';
import { useChangesSince } from '../../hooks';
import { changeLabel, ScanChangeList } from '../ScanChanges';

/** Changes per page of the "since a date" list. */
export const SINCE_PAGE_SIZE = 25;

/** URL parameters of the card (beside the Scans view's own). */
export const SINCE_URL_PARAMS = {
  since: 'since',
  change: 'sinceChange',
  page: 'sincePage',
} as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DEFAULT_DAYS = 7;

const useStyles = makeStyles(theme => ({
  controls: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(1),
  },
}));

/** `YYYY-MM-DD` of a local date. */
function localDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The start of a local `YYYY-MM-DD` day as an ISO date-time; undefined if it is no date. */
export function startOfLocalDay(date: string): string | undefined {
  if (!DATE.test(date)) return undefined;
  const start = new Date(`${date}T00:00:00`);
  return Number.isNaN(start.getTime()) ? undefined : start.toISOString();
}

function isChangeSinceType(value: string | null): value is ChangeSinceType {
  return (CHANGE_SINCE_TYPES as readonly string[]).includes(value ?? '');
}

/**
 * What changed since a chosen day (start of the day, local time): findings first seen and
 * findings resolved since then, most severe first. The day (default: a week ago), the filter
 * and the page are kept in the URL.
 */
export function ChangesSinceCard(props: { onOpen: (fingerprint: string) => void }) {
  const classes = useStyles();
  const [params, setParams] = useSearchParams();
  const fallback = localDate(new Date(Date.now() - DEFAULT_DAYS * 86_400_000));
  const day = params.get(SINCE_URL_PARAMS.since) ?? fallback;
  const sinceIso = startOfLocalDay(day);
  const changeParam = params.get(SINCE_URL_PARAMS.change);
  const change = isChangeSinceType(changeParam) ? changeParam : undefined;
  const pageParam = Number(params.get(SINCE_URL_PARAMS.page) ?? 0);
  const page = Number.isInteger(pageParam) && pageParam >= 0 ? pageParam : 0;
  const update = useCallback(
    (patch: Partial<Record<keyof typeof SINCE_URL_PARAMS, string | undefined>>) =>
      setParams(current => {
        const next = new URLSearchParams(current);
        for (const [key, value] of Object.entries(patch)) {
          const name = SINCE_URL_PARAMS[key as keyof typeof SINCE_URL_PARAMS];
          if (value === undefined) next.delete(name);
          else next.set(name, value);
        }
        return next;
      }),
    [setParams],
  );
  const { data, error, isLoading } = useChangesSince(
    sinceIso
      ? {
          since: sinceIso,
          change: change ? [change] : undefined,
          limit: SINCE_PAGE_SIZE,
          offset: page * SINCE_PAGE_SIZE,
        }
      : undefined,
  );

  let body;
  if (!sinceIso) {
    body = (
      <Typography variant="body2" color="textSecondary">
        Pick a day to see what changed since then.
      </Typography>
    );
  } else if (isLoading) {
    body = <Progress />;
  } else if (error || !data) {
    body = (
      <ResponseErrorPanel
        error={error ?? new Error('No changes received')}
        title="Could not load what changed"
      />
    );
  } else {
    const total = data.counts.new + data.counts.resolved;
    const lastPage = Math.max(0, Math.ceil(data.totalItems / SINCE_PAGE_SIZE) - 1);
    body = (
      <>
        <div className={classes.controls} role="group" aria-label="Change since">
          <Chip
            label={`All: ${total}`}
            color={change ? 'default' : 'primary'}
            onClick={() => update({ change: undefined, page: undefined })}
            data-testid="since-filter-all"
          />
          {CHANGE_SINCE_TYPES.map(type => (
            <Chip
              key={type}
              label={`${changeLabel(type)}: ${data.counts[type]}`}
              color={change === type ? 'primary' : 'default'}
              onClick={() => update({ change: type, page: undefined })}
              data-testid={`since-filter-${type}`}
            />
          ))}
        </div>
        {data.totalItems === 0 ? (
          <Typography variant="body2" color="textSecondary" data-testid="since-empty">
            No findings were first seen or resolved since then.
          </Typography>
        ) : (
          <>
            <ScanChangeList
              changes={data.items}
              onOpen={props.onOpen}
              data-testid="since-changes-list"
            />
            <TablePagination
              component="div"
              count={data.totalItems}
              page={Math.min(page, lastPage)}
              rowsPerPage={SINCE_PAGE_SIZE}
              rowsPerPageOptions={[SINCE_PAGE_SIZE]}
              onPageChange={(_, next) => update({ page: String(next) })}
            />
          </>
        )}
      </>
    );
  }

  return (
    <InfoCard
      title="What changed since a day"
      subheader="Findings first seen or resolved since the start of that day, most severe first"
    >
      <div className={classes.controls}>
        <TextField
          type="date"
          label="Since"
          value={day}
          onChange={event =>
            update({ since: event.target.value || undefined, change: undefined, page: undefined })
          }
          InputLabelProps={{ shrink: true }}
          inputProps={{ max: localDate(new Date()), 'data-testid': 'since-date' }}
          size="small"
          variant="outlined"
        />
      </div>
      <div data-testid="changes-since-panel">{body}</div>
    </InfoCard>
  );
}
