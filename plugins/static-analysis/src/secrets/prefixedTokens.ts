import { CatalogSecretKind, Severity } from '@security-posture/plugin-security-posture-common';
import { Candidate, DetectionContext, REQUIRED_LITERALS, scan } from './candidates';
import { hasValidCrc32Checksum, hasValidFineGrainedChecksum } from './checksums';
import { looksRandom } from './valueShapes';

// Tokens with a known prefix and PEM private keys. The patterns follow the linear-time rules
// of `secretDetectors.ts`.

// --- prefixed tokens -----------------------------------------------------------------------

const AWS_KEY_ID = /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![A-Za-z0-9])/g;
const GITHUB_CLASSIC = /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,76}(?![A-Za-z0-9_])/g;
const GITHUB_FINE_GRAINED =
  /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![A-Za-z0-9_])/g;
const GITLAB =
  /(?<![A-Za-z0-9_-])(?:glpat|gldt|glrt|glptt|glft|glsoat|glcbt|gloas)-[0-9A-Za-z_-]{20,300}(?:\.[0-9a-z]{2}\.[0-9a-z]{9})?(?![A-Za-z0-9_-])/g;
const SLACK_TOKEN = /(?<![A-Za-z0-9-])xox[abprse]-\d{8,15}-[0-9A-Za-z-]{8,200}(?![A-Za-z0-9-])/g;
const SLACK_WEBHOOK =
  /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/T[A-Z0-9]{6,12}\/[A-Z0-9]{6,14}\/([A-Za-z0-9]{16,48})(?![A-Za-z0-9])/g;
const STRIPE = /(?<![A-Za-z0-9_])(sk|rk)_(live|test)_[0-9A-Za-z]{20,247}(?![A-Za-z0-9_])/g;
const GOOGLE_API_KEY = /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g;
const NPM_TOKEN = /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/g;
const SENDGRID = /(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;
const VAULT_TOKEN = /(?<![A-Za-z0-9_.-])hv[sbr]\.[A-Za-z0-9_-]{24,255}(?![A-Za-z0-9_-])/g;
const AZURE_ACCOUNT_KEY = /AccountKey=([A-Za-z0-9+/]{86}==)/g;

REQUIRED_LITERALS.set(AWS_KEY_ID, ['AKIA', 'ASIA', 'ABIA', 'ACCA']);
REQUIRED_LITERALS.set(GITHUB_CLASSIC, ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']);
REQUIRED_LITERALS.set(GITHUB_FINE_GRAINED, ['github_pat_']);
REQUIRED_LITERALS.set(GITLAB, [
  'glpat-',
  'gldt-',
  'glrt-',
  'glptt-',
  'glft-',
  'glsoat-',
  'glcbt-',
  'gloas-',
]);
REQUIRED_LITERALS.set(SLACK_TOKEN, ['xox']);
REQUIRED_LITERALS.set(SLACK_WEBHOOK, ['https://hooks.slack.com/']);
REQUIRED_LITERALS.set(STRIPE, ['k_live_', 'k_test_']);
REQUIRED_LITERALS.set(GOOGLE_API_KEY, ['AIza']);
REQUIRED_LITERALS.set(NPM_TOKEN, ['npm_']);
REQUIRED_LITERALS.set(SENDGRID, ['SG.']);
REQUIRED_LITERALS.set(VAULT_TOKEN, ['hvs.', 'hvb.', 'hvr.']);
REQUIRED_LITERALS.set(AZURE_ACCOUNT_KEY, ['AccountKey=']);

// --- structures ----------------------------------------------------------------------------

const PEM_HEADER =
  /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----/g;
const PEM_MAX_LENGTH = 16_384;
const PEM_MIN_BODY = 64;
const SERVICE_ACCOUNT_JSON = /"type"\s{0,8}:\s{0,8}"service_account"/;
REQUIRED_LITERALS.set(PEM_HEADER, ['-----BEGIN ']);

/** Any literal of the patterns that {@link findPrefixedTokens} runs: an alternation of literals. */
const ANY_PREFIX_LITERAL = new RegExp(
  [
    AWS_KEY_ID,
    GITHUB_CLASSIC,
    GITHUB_FINE_GRAINED,
    NPM_TOKEN,
    GITLAB,
    SLACK_TOKEN,
    SLACK_WEBHOOK,
    STRIPE,
    GOOGLE_API_KEY,
    SENDGRID,
    VAULT_TOKEN,
    AZURE_ACCOUNT_KEY,
    PEM_HEADER,
  ]
    .flatMap(pattern => REQUIRED_LITERALS.get(pattern)!)
    .map(literal => literal.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
    .join('|'),
);

export function mayHoldPrefixedToken(text: string): boolean {
  return ANY_PREFIX_LITERAL.test(text);
}

function findPrivateKeys(text: string, context: DetectionContext, out: Candidate[]) {
  // END marker positions are remembered per label so many headers without an END cost one
  // scan of the text in total, not one each.
  const endFound = new Map<string, { from: number; at: number }>();
  let serviceAccount: boolean | undefined;
  const isServiceAccount = () =>
    (serviceAccount ??=
      context.parent?.type === 'service_account' ||
      SERVICE_ACCOUNT_JSON.test(text.slice(0, 65_536)));
  scan(
    text,
    PEM_HEADER,
    m => {
      const label = m[1];
      const endMarker = `-----END ${label}-----`;
      const bodyStart = m.index + m[0].length;
      let known = endFound.get(label);
      if (!known || (known.at !== -1 && known.at < bodyStart)) {
        known = { from: bodyStart, at: text.indexOf(endMarker, bodyStart) };
        endFound.set(label, known);
      }
      let end: number;
      let body: string;
      if (known.at !== -1 && known.at - bodyStart <= PEM_MAX_LENGTH) {
        body = text.slice(bodyStart, known.at);
        end = known.at + endMarker.length;
      } else {
        // No END marker (truncated paste): take the base64 run after the header.
        const run = /[A-Za-z0-9+/=\s\\:-]{0,8192}/y;
        run.lastIndex = bodyStart;
        body = run.exec(text)?.[0] ?? '';
        end = bodyStart + body.length;
      }
      const base64Chars = body.replace(/\\n|[^A-Za-z0-9+/]/g, '').length;
      if (base64Chars < PEM_MIN_BODY) return undefined; // a header and `...`: a placeholder
      PEM_HEADER.lastIndex = Math.max(PEM_HEADER.lastIndex, end);
      return {
        kind: isServiceAccount() ? 'gcp-service-account-key' : 'private-key',
        value: text.slice(m.index, end),
        start: m.index,
        end,
        basis: 'format',
        priority: 1,
      };
    },
    out,
  );
}

function withChecksum(kind: CatalogSecretKind, m: RegExpExecArray, valid: boolean): Candidate {
  return {
    kind,
    value: m[0],
    start: m.index,
    end: m.index + m[0].length,
    basis: valid ? 'checksum' : 'format',
    checksum: valid ? 'valid' : 'invalid',
    // An invalid checksum is only kept inside a credential slot, where it is the better name.
    priority: valid ? 0 : 1,
  };
}

function prefixed(kind: CatalogSecretKind, m: RegExpExecArray, group = 0): Candidate {
  const value = m[group];
  const start = m.index + m[0].indexOf(value);
  return { kind, value, start, end: start + value.length, basis: 'format', priority: 1 };
}

const SEVERITY_OF_STRIPE: Record<string, Severity> = {
  'sk:live': 'critical',
  'rk:live': 'high',
  'sk:test': 'low',
  'rk:test': 'low',
};

/**
 * Tokens with a known prefix and private keys; the Stripe keys' severities by candidate. Only
 * run when {@link mayHoldPrefixedToken}: each pattern needs one of its literals.
 */
export function findPrefixedTokens(
  text: string,
  context: DetectionContext,
  candidates: Candidate[],
): Map<Candidate, Severity> | undefined {
  let stripeSeverity: Map<Candidate, Severity> | undefined;
  scan(text, AWS_KEY_ID, m => prefixed('aws-access-key-id', m), candidates);
  scan(
    text,
    GITHUB_CLASSIC,
    m => {
      const prefix = m[0].slice(0, 3);
      const bodyLength = m[0].length - 4;
      if (bodyLength !== (prefix === 'ghr' ? 76 : 36) && bodyLength !== 36) return undefined;
      // Installation tokens (`ghs_`) are not documented to carry the checksum: shape suffices.
      if (prefix === 'ghs') return { ...prefixed('github-token', m), priority: 1 };
      return withChecksum('github-token', m, hasValidCrc32Checksum(m[0]));
    },
    candidates,
  );
  scan(
    text,
    GITHUB_FINE_GRAINED,
    m => withChecksum('github-token', m, hasValidFineGrainedChecksum(m[0])),
    candidates,
  );
  scan(text, NPM_TOKEN, m => withChecksum('npm-token', m, hasValidCrc32Checksum(m[0])), candidates);
  scan(
    text,
    GITLAB,
    m =>
      looksRandom(m[0].slice(m[0].indexOf('-') + 1), 20) ? prefixed('gitlab-token', m) : undefined,
    candidates,
  );
  scan(text, SLACK_TOKEN, m => prefixed('slack-token', m), candidates);
  scan(text, SLACK_WEBHOOK, m => prefixed('slack-webhook', m, 1), candidates);
  scan(
    text,
    STRIPE,
    m => {
      const candidate = prefixed('stripe-secret-key', m);
      (stripeSeverity ??= new Map()).set(candidate, SEVERITY_OF_STRIPE[`${m[1]}:${m[2]}`]);
      return candidate;
    },
    candidates,
  );
  scan(text, GOOGLE_API_KEY, m => prefixed('google-api-key', m), candidates);
  scan(text, SENDGRID, m => prefixed('sendgrid-api-key', m), candidates);
  scan(text, VAULT_TOKEN, m => prefixed('vault-token', m), candidates);
  scan(text, AZURE_ACCOUNT_KEY, m => prefixed('azure-storage-key', m, 1), candidates);
  findPrivateKeys(text, context, candidates);
  return stripeSeverity;
}
