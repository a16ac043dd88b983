import { FormEvent, useState } from 'react';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormLabel from '@material-ui/core/FormLabel';
import InputLabel from '@material-ui/core/InputLabel';
import MenuItem from '@material-ui/core/MenuItem';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import Select from '@material-ui/core/Select';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  EXEMPTION_KINDS,
  ExemptionKind,
  ExemptionScope,
  Finding,
  securityPostureReportReadPermission,
} from '@security-posture/plugin-security-posture-common';
import { useCreateExemption, useExemptionMaxDays } from '../../hooks';
import { exemptionKindLabel } from '../../utils/exemptions';
import { errorMessage } from '../../utils/errors';

const DAY_MS = 24 * 60 * 60 * 1000;
export const MAX_REASON_LENGTH = 2000;

const useStyles = makeStyles(theme => ({
  field: {
    marginTop: theme.spacing(2),
  },
}));

/** `YYYY-MM-DD` of an instant, in UTC (exemptions expire at the start of a UTC day). */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The dates the picker offers: from tomorrow to the last day whose start (UTC) is within the
 * maximum duration from now.
 */
export function expiryBounds(now: number, maxDays: number) {
  return { min: utcDate(now + DAY_MS), max: utcDate(now + maxDays * DAY_MS) };
}

interface ScopeChoice {
  id: string;
  label: string;
  scope: ExemptionScope;
}

/**
 * What the dialog can exempt: the finding; its check on the finding's entity or config path; and,
 * for who reads the whole report (the server requires the platform team's access for sets of
 * entities), its check on every entity of the finding's kind or of one of its owners.
 */
export function scopeChoices(finding: Finding, platformTeam: boolean): ScopeChoice[] {
  const { checkId } = finding;
  const choices: ScopeChoice[] = [
    {
      id: 'finding',
      label: 'This finding only',
      scope: { type: 'finding', fingerprint: finding.fingerprint },
    },
  ];
  if (finding.entityRef) {
    choices.push({
      id: 'target',
      label: `Every finding of ${checkId} on ${finding.entityRef}`,
      scope: { type: 'target', checkId, entityRef: finding.entityRef },
    });
  } else if (finding.target.type === 'config') {
    choices.push({
      id: 'target',
      label: `Every finding of ${checkId} on ${finding.target.path}`,
      scope: { type: 'target', checkId, configPath: finding.target.path },
    });
  }
  if (!platformTeam || !finding.entityRef) return choices;
  if (finding.entityKind) {
    choices.push({
      id: 'kind',
      label: `Every finding of ${checkId} on every ${finding.entityKind}`,
      scope: { type: 'entities', checkId, entityKind: finding.entityKind },
    });
  }
  for (const owner of finding.owners) {
    choices.push({
      id: `owner:${owner}`,
      label: `Every finding of ${checkId} on what ${owner} owns`,
      scope: { type: 'entities', checkId, owner },
    });
  }
  return choices;
}

/**
 * Exempts a finding, or its check on the finding's target: kind, reason (required), expiry
 * (required for accepted risks; bounded by `securityPosture.exemptions.maxDuration`) and an
 * optional ticket link. The server checks everything again and decides who may.
 */
export function ExemptionDialog(props: {
  finding: Finding;
  open: boolean;
  onClose: () => void;
  /** Called with nothing once the exemption is created. */
  onCreated?: () => void;
  /** The current time; tests pass a fixed one. */
  now?: number;
}) {
  const { finding, open, onClose, onCreated } = props;
  const classes = useStyles();
  const maxDays = useExemptionMaxDays();
  const [now] = useState(() => props.now ?? Date.now());
  const bounds = expiryBounds(now, maxDays);
  const platformTeam = usePermission({ permission: securityPostureReportReadPermission });
  const choices = scopeChoices(finding, !platformTeam.loading && platformTeam.allowed);
  const [choiceId, setChoiceId] = useState('finding');
  const [kind, setKind] = useState<ExemptionKind>('accepted-risk');
  const [reason, setReason] = useState('');
  const [expires, setExpires] = useState(utcDate(now + 90 * DAY_MS) > bounds.max ? bounds.max : utcDate(now + 90 * DAY_MS));
  const [ticket, setTicket] = useState('');
  const [touched, setTouched] = useState(false);
  const create = useCreateExemption();

  const expiryRequired = kind === 'accepted-risk';
  const reasonError = touched && !reason.trim() ? 'A reason is required' : undefined;
  let expiryError: string | undefined;
  if (expires && (expires < bounds.min || expires > bounds.max)) {
    expiryError = `Between ${bounds.min} and ${bounds.max} (at most ${maxDays} days ahead)`;
  } else if (touched && expiryRequired && !expires) {
    expiryError = 'An accepted risk needs an expiry date';
  }
  const ticketError =
    ticket.trim() && !/^https?:\/\/\S+$/i.test(ticket.trim())
      ? 'An http(s) link'
      : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!reason.trim() || expiryError || ticketError || (expiryRequired && !expires)) {
      return;
    }
    const scope = (choices.find(c => c.id === choiceId) ?? choices[0]).scope;
    create.mutate(
      {
        scope,
        kind,
        reason: reason.trim(),
        expiresAt: expires ? `${expires}T00:00:00.000Z` : undefined,
        ticket: ticket.trim() || undefined,
      },
      {
        onSuccess: () => {
          onCreated?.();
          onClose();
        },
      },
    );
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      fullWidth
      maxWidth="sm"
      aria-labelledby="exemption-dialog-title"
      data-testid="exemption-dialog"
    >
      <form onSubmit={submit} noValidate>
        <DialogTitle id="exemption-dialog-title">Exempt finding</DialogTitle>
        <DialogContent>
          <Typography variant="body2" color="textSecondary">
            An exempted finding stays visible but does not count toward the
            score or the grade until the exemption expires or is revoked.
          </Typography>
          <Typography variant="subtitle2" className={classes.field}>
            {finding.title}
          </Typography>
          {choices.length > 1 ? (
            <FormControl component="fieldset" className={classes.field}>
              <FormLabel component="legend">What to exempt</FormLabel>
              <RadioGroup
                value={choiceId}
                onChange={event => setChoiceId(event.target.value)}
                data-testid="exemption-scope"
              >
                {choices.map(choice => (
                  <FormControlLabel
                    key={choice.id}
                    value={choice.id}
                    control={<Radio size="small" />}
                    label={choice.label}
                  />
                ))}
              </RadioGroup>
            </FormControl>
          ) : null}
          <FormControl fullWidth className={classes.field} size="small">
            <InputLabel id="exemption-kind-label">Kind</InputLabel>
            <Select
              labelId="exemption-kind-label"
              id="exemption-kind"
              value={kind}
              onChange={event => setKind(event.target.value as ExemptionKind)}
              data-testid="exemption-kind"
            >
              {EXEMPTION_KINDS.map(k => (
                <MenuItem key={k} value={k}>
                  {exemptionKindLabel(k)}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
          <TextField
            className={classes.field}
            label="Reason"
            required
            fullWidth
            multiline
            minRows={3}
            value={reason}
            onChange={event => setReason(event.target.value)}
            error={Boolean(reasonError)}
            helperText={
              reasonError ??
              'Why this finding need not be fixed now. Plain text; never paste a secret.'
            }
            inputProps={{ maxLength: MAX_REASON_LENGTH, 'data-testid': 'exemption-reason' }}
          />
          <TextField
            className={classes.field}
            label={expiryRequired ? 'Expires on (UTC)' : 'Expires on (UTC, optional)'}
            type="date"
            required={expiryRequired}
            fullWidth
            value={expires}
            onChange={event => setExpires(event.target.value)}
            error={Boolean(expiryError)}
            helperText={expiryError ?? `At most ${maxDays} days ahead (until ${bounds.max})`}
            InputLabelProps={{ shrink: true }}
            inputProps={{
              min: bounds.min,
              max: bounds.max,
              'data-testid': 'exemption-expires',
            }}
          />
          <TextField
            className={classes.field}
            label="Ticket (optional)"
            fullWidth
            value={ticket}
            onChange={event => setTicket(event.target.value)}
            error={Boolean(ticketError)}
            helperText={ticketError ?? 'A link to the ticket that tracks the decision'}
            inputProps={{ 'data-testid': 'exemption-ticket' }}
          />
          {create.error ? (
            <Alert severity="error" className={classes.field} data-testid="exemption-error">
              {errorMessage(create.error)}
            </Alert>
          ) : null}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            color="primary"
            variant="contained"
            disabled={create.isPending}
            data-testid="exemption-submit"
          >
            Exempt
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
