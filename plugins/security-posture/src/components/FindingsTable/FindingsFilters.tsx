import { useEffect, useMemo, useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import FormControl from '@material-ui/core/FormControl';
import InputAdornment from '@material-ui/core/InputAdornment';
import InputLabel from '@material-ui/core/InputLabel';
import MenuItem from '@material-ui/core/MenuItem';
import Select from '@material-ui/core/Select';
import TextField from '@material-ui/core/TextField';
import { makeStyles } from '@material-ui/core/styles';
import SearchIcon from '@material-ui/icons/Search';
import Autocomplete from '@material-ui/lab/Autocomplete';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useQuery } from '@tanstack/react-query';
import {
  SEVERITIES,
  Severity,
} from '@security-posture/plugin-security-posture-common';
import {
  FindingStatusFilter,
  FindingsFilters as Filters,
  securityPostureKeys,
  useChecks,
} from '../../hooks';
import { severityLabel } from '../SeverityChip';
import { categoryLabel } from '../../utils/format';
import {
  BUILT_IN_CATEGORIES,
  ENTITY_FINDING_CATEGORIES,
  ENTITY_KINDS,
} from '../../utils/options';

const useStyles = makeStyles(theme => ({
  root: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'flex-end',
    gap: theme.spacing(2),
    padding: theme.spacing(2, 2, 1),
  },
  select: { minWidth: 150, maxWidth: 240 },
  owner: { minWidth: 240, maxWidth: 360 },
  text: { minWidth: 220, flexGrow: 1, maxWidth: 420 },
}));

const TEXT_DEBOUNCE_MS = 300;

/** Groups and users of the catalog, for the owner filter (free text works too). */
function useOwnerOptions() {
  const catalogApi = useApi(catalogApiRef);
  return useQuery({
    queryKey: [...securityPostureKeys.all, 'owner-options'],
    queryFn: async () => {
      const { items } = await catalogApi.getEntities({
        filter: { kind: ['Group', 'User'] },
        fields: ['kind', 'metadata.name', 'metadata.namespace'],
      });
      return items.map(entity => stringifyEntityRef(entity)).sort();
    },
    staleTime: 5 * 60_000,
    // The filter still accepts typed refs when the catalog cannot be read.
    retry: false,
  });
}

function MultiSelect<T extends string>(props: {
  id: string;
  label: string;
  values: T[];
  options: T[];
  optionLabel: (value: T) => string;
  onChange: (values: T[]) => void;
}) {
  const { id, label, values, options, optionLabel, onChange } = props;
  const classes = useStyles();
  return (
    <FormControl className={classes.select} size="small">
      <InputLabel id={`${id}-label`}>{label}</InputLabel>
      <Select
        labelId={`${id}-label`}
        id={id}
        multiple
        value={values}
        onChange={event => onChange(event.target.value as T[])}
        renderValue={selected =>
          (selected as T[]).map(optionLabel).join(', ') || 'Any'
        }
        data-testid={`filter-${id}`}
      >
        {options.map(option => (
          <MenuItem key={option} value={option}>
            {optionLabel(option)}
          </MenuItem>
        ))}
      </Select>
    </FormControl>
  );
}

export interface FindingsFiltersProps {
  filters: Filters;
  onChange: (patch: Partial<Filters>) => void;
  onReset: () => void;
  /** Filters fixed by the view (e.g. the category of a category view) are not offered. */
  hide?: Array<keyof Filters>;
  /**
   * What the backend lets the user see. With `mine` (no report permission) only findings of
   * entities are visible, so categories without entity findings are not offered.
   */
  scope?: 'all' | 'mine';
}

/** Filter controls of the findings table: category, severity, status, owner, kind, text. */
export function FindingsFilters(props: FindingsFiltersProps) {
  const { filters, onChange, onReset, hide = [], scope = 'all' } = props;
  const classes = useStyles();
  const checks = useChecks();
  const owners = useOwnerOptions();

  const categories = useMemo(() => {
    const known = new Set<string>(
      scope === 'mine' ? ENTITY_FINDING_CATEGORIES : BUILT_IN_CATEGORIES,
    );
    checks.data?.forEach(check => {
      if (scope === 'all' || check.scope === 'entity')
        known.add(check.category);
    });
    // A category already in the URL stays selectable, so it can be removed.
    filters.category.forEach(category => known.add(category));
    return [...known];
  }, [checks.data, filters.category, scope]);

  // Typing updates the URL (and so the query) only after a pause.
  const [text, setText] = useState(filters.text);
  useEffect(() => setText(filters.text), [filters.text]);
  useEffect(() => {
    if (text === filters.text) return undefined;
    const timer = setTimeout(() => onChange({ text }), TEXT_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, filters.text, onChange]);

  const active =
    filters.category.length +
    filters.severity.length +
    filters.owner.length +
    filters.kind.length +
    filters.checkId.length +
    (filters.text ? 1 : 0) +
    (filters.status === 'open' ? 0 : 1);

  return (
    <div className={classes.root} role="search" aria-label="Filter findings">
      {hide.includes('category') ? null : (
        <MultiSelect
          id="category"
          label="Category"
          values={filters.category}
          options={categories}
          optionLabel={categoryLabel}
          onChange={category => onChange({ category })}
        />
      )}
      <MultiSelect<Severity>
        id="severity"
        label="Severity"
        values={filters.severity}
        options={[...SEVERITIES]}
        optionLabel={severityLabel}
        onChange={severity => onChange({ severity })}
      />
      <FormControl className={classes.select} size="small">
        <InputLabel id="status-label">Status</InputLabel>
        <Select
          labelId="status-label"
          id="status"
          value={filters.status}
          onChange={event =>
            onChange({ status: event.target.value as FindingStatusFilter })
          }
          data-testid="filter-status"
        >
          <MenuItem value="open">Open</MenuItem>
          <MenuItem value="exempted">Exempted</MenuItem>
          <MenuItem value="resolved">Resolved</MenuItem>
          <MenuItem value="all">All</MenuItem>
        </Select>
      </FormControl>
      {hide.includes('owner') ? null : (
        <Autocomplete
          multiple
          freeSolo
          size="small"
          className={classes.owner}
          options={owners.data ?? []}
          value={filters.owner}
          onChange={(_event, value) =>
            onChange({
              owner: (value as string[])
                .map(v => v.trim().toLocaleLowerCase('en-US'))
                .filter(Boolean),
            })
          }
          renderTags={(value, getTagProps) =>
            value.map((option, index) => (
              <Chip
                size="small"
                label={option}
                {...getTagProps({ index })}
                key={option}
              />
            ))
          }
          renderInput={params => (
            <TextField
              {...params}
              label="Owner"
              placeholder={filters.owner.length ? '' : 'group:default/team'}
              inputProps={{
                ...params.inputProps,
                'data-testid': 'filter-owner-input',
              }}
            />
          )}
          data-testid="filter-owner"
        />
      )}
      {hide.includes('kind') ? null : (
        <MultiSelect
          id="kind"
          label="Entity kind"
          values={filters.kind}
          options={ENTITY_KINDS}
          optionLabel={kind => kind}
          onChange={kind => onChange({ kind })}
        />
      )}
      <TextField
        className={classes.text}
        size="small"
        label="Search"
        placeholder="Title, message, check, entity, location"
        value={text}
        onChange={event => setText(event.target.value.slice(0, 200))}
        inputProps={{ 'data-testid': 'filter-text', maxLength: 200 }}
        InputProps={{
          startAdornment: (
            <InputAdornment position="start">
              <SearchIcon fontSize="small" aria-hidden />
            </InputAdornment>
          ),
        }}
      />
      {filters.checkId.map(checkId => (
        <Chip
          key={checkId}
          label={`Check: ${checkId}`}
          onDelete={() =>
            onChange({ checkId: filters.checkId.filter(c => c !== checkId) })
          }
          data-testid={`filter-check-${checkId}`}
        />
      ))}
      <Box flexGrow={0}>
        <Button
          size="small"
          onClick={onReset}
          disabled={active === 0}
          data-testid="filter-reset"
        >
          Clear filters
        </Button>
      </Box>
    </div>
  );
}
