import { ReactNode } from 'react';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { PublishedCheckData } from '@security-posture/plugin-security-posture-common';
import { useCheckData } from '../../hooks';
import { ExportCsvButton } from '../ExportCsvButton';
import { FindingsTable } from '../FindingsTable';
import { NotPublishedYet } from '../StateViews';
import { categoryLabel, formatDateTime } from '../../utils/format';

/**
 * The frame of a category view: intro, the category's own visualisation, a CSV export of the
 * category and its findings table.
 */
export function CategoryView(props: {
  category: string;
  intro: ReactNode;
  children?: ReactNode;
}) {
  const { category, intro, children } = props;
  const fixed = { category: [category] };
  return (
    <Grid container spacing={3} data-testid={`category-view-${category}`}>
      <Grid item xs={12}>
        <Box
          display="flex"
          justifyContent="space-between"
          alignItems="flex-start"
          flexWrap="wrap"
          style={{ gap: 16 }}
        >
          <Box maxWidth={900}>
            <Typography variant="h5" component="h2" gutterBottom>
              {categoryLabel(category)}
            </Typography>
            <Typography variant="body2" color="textSecondary" component="div">
              {intro}
            </Typography>
          </Box>
          <ExportCsvButton
            query={{ category: [category], status: ['open'] }}
            label={`Export ${categoryLabel(category)} (CSV)`}
            filenameBase={`security-posture-${category}`}
            data-testid="category-export-csv"
          />
        </Box>
      </Grid>
      {children}
      <Grid item xs={12}>
        <FindingsTable
          fixed={fixed}
          title={`${categoryLabel(category)} findings`}
          exportFilenameBase={`security-posture-${category}-findings`}
        />
      </Grid>
    </Grid>
  );
}

/**
 * Loads what a check published and renders it, with the loading, error and "not published
 * yet" states every category view needs.
 */
export function PublishedData<T>(props: {
  checkId: string;
  dataKey: string;
  /** e.g. "probe results", for the empty state. */
  what: string;
  children: (data: T, envelope: PublishedCheckData<T>) => ReactNode;
}) {
  const { checkId, dataKey, what, children } = props;
  const { data, error, isLoading } = useCheckData<T>(checkId, dataKey);
  if (isLoading) {
    return <Progress />;
  }
  if (error) {
    return (
      <ResponseErrorPanel error={error} title={`Could not load the ${what}`} />
    );
  }
  if (!data) {
    return <NotPublishedYet what={what} checkId={checkId} />;
  }
  return <>{children(data.data, data)}</>;
}

/** "As of" line under published data. */
export function PublishedAt(props: { at: string; suffix?: ReactNode }) {
  return (
    <Typography variant="caption" color="textSecondary" display="block">
      As of {formatDateTime(props.at)}
      {props.suffix}
    </Typography>
  );
}

const useHeadStyles = makeStyles({
  head: { '& th': { whiteSpace: 'nowrap' } },
});

/** Table heads whose titles never break mid-word in narrow columns. */
export function useNoWrapHead(): string {
  return useHeadStyles().head;
}
