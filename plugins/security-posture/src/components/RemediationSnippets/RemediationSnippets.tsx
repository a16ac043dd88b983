import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { CodeSnippet } from '@backstage/core-components';
import {
  Finding,
  RemediationSnippet,
  snippetsForFinding,
} from '@security-posture/plugin-security-posture-common';
import { useChecks } from '../../hooks';

const HIGHLIGHT_LANGUAGE: Record<RemediationSnippet['language'], string> = {
  yaml: 'yaml',
  typescript: 'typescript',
  shell: 'bash',
};

const useStyles = makeStyles(theme => ({
  snippet: {
    marginTop: theme.spacing(1.5),
    // Long lines scroll inside the snippet instead of widening the drawer.
    '& pre': { maxWidth: '100%', overflowX: 'auto' },
  },
  file: {
    fontFamily: 'monospace',
  },
}));

/**
 * Copyable fixes of the finding's check that fit it (the check metadata's snippets for the
 * finding's config path): the exact config keys to set, a line of code. Nothing while the
 * checks load, for checks without snippets, or when the checks cannot be read.
 */
export function RemediationSnippets(props: { finding: Finding }) {
  const { finding } = props;
  const classes = useStyles();
  const { data: checks } = useChecks();
  const check = checks?.find(c => c.id === finding.checkId);
  const snippets = snippetsForFinding(check?.remediationSnippets, finding);
  if (!snippets.length) return null;
  return (
    <div data-testid="remediation-snippets">
      {snippets.map(snippet => (
        <div
          key={snippet.title}
          className={classes.snippet}
          data-testid="remediation-snippet"
        >
          <Typography variant="body2">
            <strong>{snippet.title}</strong>
          </Typography>
          {snippet.file ? (
            <Typography variant="caption" color="textSecondary" display="block">
              in <span className={classes.file}>{snippet.file}</span>
            </Typography>
          ) : null}
          <CodeSnippet
            text={snippet.code.replace(/\n$/, '')}
            language={HIGHLIGHT_LANGUAGE[snippet.language] ?? 'text'}
            showCopyCodeButton
          />
        </div>
      ))}
    </div>
  );
}
