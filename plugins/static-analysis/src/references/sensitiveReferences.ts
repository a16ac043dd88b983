import { Config } from '@backstage/config';
import {
  isSeverity,
  SENSITIVE_REFERENCE_CLASSES,
  SensitiveReferenceClass,
  Severity,
} from '@security-posture/plugin-security-posture-common';
import { isSecretKeyName, keyName, sharedKeyWords } from '../secrets/keyNames';
import { isPlaceholderSecret } from '../secrets/placeholders';
import { lowerCaseEn, memoizeByKey } from '../secrets/text';
import { containsSubstitution, isPlaceholder } from '../secrets/valueShapes';

/** A rule from config: annotation or label keys matching `key` (a `*` glob) are of `class`. */
export interface SensitiveReferenceRule {
  key: string;
  class: SensitiveReferenceClass;
  severity?: Severity;
}

export interface SensitiveReferenceSettings {
  rules: SensitiveReferenceRule[];
  /** Host suffixes that are internal, e.g. `acme.corp`. */
  internalDomains: string[];
  /** Annotation/label key globs that are never sensitive. */
  ignoreKeys: string[];
  classSeverities: Record<string, Severity>;
}

/** One field that carries reconnaissance value. */
export interface ReferenceHit {
  path: string;
  class: SensitiveReferenceClass;
  severity: Severity;
  /** Which rule matched, e.g. `key:vault.hashicorp.com/role`, `value:rfc1918-address`. */
  rule: string;
}

/** Reads `securityPosture.checks.catalog.sensitive-reference.options`; throws on bad shapes. */
export function readSensitiveReferenceSettings(options?: Config): SensitiveReferenceSettings {
  const rules = (options?.getOptionalConfigArray('annotations') ?? []).map(rule => {
    const severity = rule.getOptionalString('severity');
    if (severity !== undefined && !isSeverity(severity)) {
      throw new Error(`Invalid severity '${severity}' in sensitive-reference annotations option`);
    }
    return {
      key: rule.getString('key'),
      class: rule.getString('class'),
      severity: severity as Severity | undefined,
    };
  });
  const classSeverities: Record<string, Severity> = {};
  const severities = options?.getOptionalConfig('classSeverities');
  for (const name of severities?.keys() ?? []) {
    const severity = severities!.getString(name);
    if (!isSeverity(severity)) {
      throw new Error(`Invalid severity '${severity}' for sensitive-reference class '${name}'`);
    }
    classSeverities[name] = severity;
  }
  return {
    rules,
    internalDomains: (options?.getOptionalStringArray('internalDomains') ?? []).map(d =>
      d.toLocaleLowerCase('en-US').replace(/^\*?\./, ''),
    ),
    ignoreKeys: options?.getOptionalStringArray('ignoreAnnotations') ?? [],
    classSeverities,
  };
}

/** `*` matches any run of characters; case-insensitive; linear-ish, no regex from config. */
export function globMatch(glob: string, text: string): boolean {
  const g = lowerCaseEn(glob);
  const t = lowerCaseEn(text);
  let gi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (gi < g.length && g[gi] === t[ti]) {
      gi += 1;
      ti += 1;
    } else if (gi < g.length && g[gi] === '*') {
      star = gi;
      mark = ti;
      gi += 1;
    } else if (star !== -1) {
      gi = star + 1;
      mark += 1;
      ti = mark;
    } else {
      return false;
    }
  }
  while (gi < g.length && g[gi] === '*') gi += 1;
  return gi === g.length;
}

function severityOf(settings: SensitiveReferenceSettings, cls: string, override?: Severity) {
  return (
    override ??
    settings.classSeverities[cls] ??
    SENSITIVE_REFERENCE_CLASSES[cls as keyof typeof SENSITIVE_REFERENCE_CLASSES]?.severity ??
    'low'
  );
}

// --- key rules -------------------------------------------------------------------------------

const INCIDENT_PREFIXES = [
  'pagerduty.com',
  'opsgenie.com',
  'victorops.com',
  'firehydrant.com',
  'firehydrant.io',
  'incident.io',
  'rootly.com',
  'squadcast.com',
];
const OBSERVABILITY_PREFIXES = [
  'datadoghq.com',
  'sentry.io',
  'grafana',
  'newrelic.com',
  'dynatrace.com',
  'lightstep.com',
  'honeycomb.io',
  'prometheus.io',
  'elastic.co',
  'signalfx.com',
  'instana.io',
  'appdynamics.com',
  'rollbar.com',
  'bugsnag.com',
  'honeybadger.io',
  'splunk.com',
];
const INFRA_PREFIXES = [
  'eks.amazonaws.com',
  'iam.amazonaws.com',
  'iam.gke.io',
  'azure.workload.identity',
];
const REFERENCE_WORDS = new Set([
  'path',
  'paths',
  'ref',
  'arn',
  'name',
  'id',
  'store',
  'manager',
  'mount',
  'role',
  'engine',
]);

/** The built-in class of an annotation or label key, from its prefix and name words. */
function computeBuiltInKeyClass(key: string): BuiltInKeyMatch | undefined {
  const lower = lowerCaseEn(key);
  const slash = lower.lastIndexOf('/');
  const prefix = slash >= 0 ? lower.slice(0, slash) : '';
  const name = sharedKeyWords(keyName(key));
  const all = sharedKeyWords(key);
  const has = (...words: string[]) => words.every(w => name.includes(w));

  if (all.includes('vault') || prefix === 'vault.hashicorp.com') {
    return { class: 'secret-reference', rule: 'vault' };
  }
  if (
    all.includes('ssm') ||
    all.includes('secretsmanager') ||
    has('secrets', 'manager') ||
    has('parameter', 'store') ||
    ((name.includes('secret') || name.includes('secrets')) &&
      name.some(w => REFERENCE_WORDS.has(w)))
  ) {
    return { class: 'secret-reference', rule: 'secret-store' };
  }
  if (
    INCIDENT_PREFIXES.some(p => prefix === p || prefix.endsWith(`.${p}`)) ||
    (prefix === 'splunk.com' && name.includes('call')) ||
    has('on', 'call') ||
    name.includes('oncall') ||
    name.includes('escalation') ||
    name.includes('pagerduty') ||
    name.includes('opsgenie')
  ) {
    return { class: 'incident-routing', rule: 'incident-tool' };
  }
  if (
    lower === 'backstage.io/kubernetes-namespace' ||
    lower === 'backstage.io/kubernetes-label-selector' ||
    INFRA_PREFIXES.includes(prefix) ||
    has('role', 'arn') ||
    name.includes('namespace') ||
    name.includes('cluster') ||
    name.includes('iam') ||
    name.includes('vpc') ||
    name.includes('subnet') ||
    has('account', 'id')
  ) {
    return { class: 'infra-topology', rule: 'infrastructure' };
  }
  if (
    name.some(w => ['runbook', 'runbooks', 'playbook', 'playbooks'].includes(w)) ||
    has('break', 'glass')
  ) {
    return { class: 'runbook', rule: 'runbook' };
  }
  if (
    OBSERVABILITY_PREFIXES.some(p => prefix === p || prefix.endsWith(`.${p}`)) ||
    name.some(w => ['dashboard', 'dashboards', 'grafana', 'kibana', 'apm', 'tracing'].includes(w))
  ) {
    return { class: 'observability', rule: 'observability-tool' };
  }
  return undefined;
}

interface BuiltInKeyMatch {
  class: SensitiveReferenceClass;
  rule: string;
}

const builtInKeyClass = memoizeByKey(computeBuiltInKeyClass);

/** What the settings say about an annotation or label key, whatever its value. */
interface KeyVerdict {
  /** Matches an `ignoreAnnotations` glob. */
  ignored: boolean;
  /** The key rule it falls under: the first custom rule that matches, else the built-in one. */
  hit?: { class: SensitiveReferenceClass; rule: string; severity?: Severity };
}

const keyVerdicts = new WeakMap<SensitiveReferenceSettings, (key: string) => KeyVerdict>();

/** Per settings object, key verdicts are remembered: the same keys recur on many entities. */
function keyVerdictsOf(settings: SensitiveReferenceSettings): (key: string) => KeyVerdict {
  let verdictOf = keyVerdicts.get(settings);
  if (!verdictOf) {
    verdictOf = memoizeByKey((key): KeyVerdict => {
      const ignored = settings.ignoreKeys.some(glob => globMatch(glob, key));
      const custom = settings.rules.find(rule => globMatch(rule.key, key));
      if (custom) {
        return {
          ignored,
          hit: { class: custom.class, rule: `key:${custom.key}`, severity: custom.severity },
        };
      }
      const builtIn = builtInKeyClass(key);
      return { ignored, hit: builtIn && { class: builtIn.class, rule: `key:${builtIn.rule}` } };
    });
    keyVerdicts.set(settings, verdictOf);
  }
  return verdictOf;
}

// --- value rules -----------------------------------------------------------------------------

const HOST_TOKEN = /[A-Za-z0-9][A-Za-z0-9.-]{0,252}/g;
// Most specific first, so the rule names the suffix that matters.
const INTERNAL_SUFFIXES = [
  'svc.cluster.local',
  'cluster.local',
  'home.arpa',
  'localdomain',
  'internal',
  'intranet',
  'local',
  'corp',
  'lan',
  'svc',
];
// Annotations the catalog itself sets on every entity: owners cannot change them.
const CATALOG_MANAGED_KEYS = new Set([
  'backstage.io/managed-by-location',
  'backstage.io/managed-by-origin-location',
  'backstage.io/orphan',
]);
const INTERNAL_LABELS = new Set(['internal', 'intranet', 'corp']);
// A dotted token starting with a TLD is a reversed name (`com.acme.internal.Foo`), not a host.
const REVERSED_NAME_START = new Set([
  'com',
  'org',
  'net',
  'io',
  'de',
  'uk',
  'fr',
  'nl',
  'edu',
  'gov',
  'java',
  'javax',
]);

function isPrivateIPv4(host: string): boolean {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every(p => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    return false;
  }
  const [a, b] = parts.map(Number);
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

// The last label of every internal suffix: a host whose last label is not one of these cannot
// end with any of the suffixes.
const INTERNAL_SUFFIX_LAST_LABELS = new Set(INTERNAL_SUFFIXES.map(s => s.slice(s.lastIndexOf('.') + 1)));
// `.label.` in a host whose labels are all non-empty: `label` is neither the first nor the last.
const INTERNAL_MIDDLE_LABELS = [...INTERNAL_LABELS].map(l => `.${l}.`);

/** `token` is a HOST_TOKEN match: ASCII letters, digits, dots and dashes, starting with neither. */
function internalHostRule(token: string, settings: SensitiveReferenceSettings): string | undefined {
  let end = token.length;
  while (end > 0 && token.charCodeAt(end - 1) === 46 /* . */) end -= 1;
  const firstDot = token.indexOf('.');
  if (firstDot === -1 || firstDot >= end) return undefined; // one label: not a host name
  // ASCII only, so toLowerCase() is toLocaleLowerCase('en-US'), and offsets stay the same.
  const host = (end === token.length ? token : token.slice(0, end)).toLowerCase();
  const first = host.charCodeAt(0);
  if (first >= 48 && first <= 57) {
    // Both tests below need a leading digit.
    if (isPrivateIPv4(host)) return 'rfc1918-address';
    if (/^\d+(?:\.\d+)*$/.test(host)) return undefined; // versions, other addresses
  }
  // The host neither starts nor ends with a dot: an empty label is two dots in a row.
  if (host.includes('..')) return undefined;
  for (const domain of settings.internalDomains) {
    if (host === domain || host.endsWith(`.${domain}`)) return `internal-domain:${domain}`;
  }
  if (REVERSED_NAME_START.has(host.slice(0, firstDot))) return undefined;
  if (INTERNAL_SUFFIX_LAST_LABELS.has(host.slice(host.lastIndexOf('.') + 1))) {
    for (const suffix of INTERNAL_SUFFIXES) {
      if (host.endsWith(`.${suffix}`)) return `internal-suffix:.${suffix}`;
    }
  }
  if (INTERNAL_MIDDLE_LABELS.some(label => host.includes(label))) return 'internal-label';
  return undefined;
}

const NO_RULES: readonly string[] = [];

// The well-known private ranges and the defaults tools ship with (Docker's bridge, home routers):
// writing them down says nothing about one deployment. Any prefix length.
const GENERIC_PRIVATE_NETWORKS = new Set([
  '10.0.0.0',
  '172.16.0.0',
  '172.17.0.0',
  '192.168.0.0',
  '192.168.1.0',
]);

/** `10.0.0.0/8`, `192.168.0.0/16`, a bare `10.0.0.0`: a generic range, not a host. */
function isGenericPrivateRange(text: string, index: number, token: string): boolean {
  const address = token.replace(/\.+$/, '');
  if (!GENERIC_PRIVATE_NETWORKS.has(address)) return false;
  const after = text.slice(index + address.length, index + address.length + 4);
  return after === '' || !/^\.\d/.test(after); // not the start of a longer dotted token
}

/**
 * A host name glued to a substitution (`${{ values.name }}.svc.cluster.local`,
 * `db-{{ env }}.internal`, `api.${DOMAIN}`) is the template of a host, not a host: what a
 * skeleton file or a config template holds.
 */
function isTemplated(text: string, index: number, length: number): boolean {
  let before = index - 1;
  while (before >= 0 && (text[before] === '.' || text[before] === '-')) before -= 1;
  let after = index + length;
  while (after < text.length && (text[after] === '.' || text[after] === '-')) after += 1;
  return (before >= 0 && text[before] === '}') || text[after] === '$' || text[after] === '{';
}

/** Internal hosts and addresses in a string; one rule name per distinct reason. */
function internalEndpointRules(
  text: string,
  settings: SensitiveReferenceSettings,
): readonly string[] {
  if (!text.includes('.')) return NO_RULES;
  let rules: Set<string> | undefined;
  HOST_TOKEN.lastIndex = 0;
  for (let m = HOST_TOKEN.exec(text); m; m = HOST_TOKEN.exec(text)) {
    const token = m[0];
    if (!token.includes('.')) continue; // not a host name (see internalHostRule)
    if (m.index > 0 && text[m.index - 1] === '@') {
      // `user@acme.corp` is an email address; `scheme://user:pw@host` is an endpoint.
      const before = text.lastIndexOf(' ', m.index);
      if (!text.slice(before + 1, m.index).includes('://')) continue;
    }
    if (isTemplated(text, m.index, token.length)) continue;
    const rule = internalHostRule(token, settings);
    if (!rule) continue;
    if (rule === 'rfc1918-address' && isGenericPrivateRange(text, m.index, token)) continue;
    (rules ??= new Set()).add(rule);
  }
  return rules ? [...rules] : NO_RULES;
}

interface ValueRule {
  class: SensitiveReferenceClass;
  rule: string;
  /** Cheap pre-filter: the pattern can only match where one of these substrings occurs. */
  hints: string[];
  pattern: RegExp;
}

const VALUE_RULES: ValueRule[] = [
  {
    class: 'secret-reference',
    rule: 'aws-secrets-manager-arn',
    hints: ['arn:aws'],
    pattern: /arn:aws[a-z-]{0,12}:secretsmanager:[a-z0-9-]{0,32}:\d{12}:secret:/,
  },
  {
    class: 'secret-reference',
    rule: 'aws-ssm-parameter',
    hints: ['arn:aws', 'ssm:'],
    pattern:
      /arn:aws[a-z-]{0,12}:ssm:[a-z0-9-]{0,32}:\d{12}:parameter\/|(?:^|\s)ssm:\/[A-Za-z0-9_.-]/,
  },
  {
    class: 'secret-reference',
    rule: 'gcp-secret-manager',
    hints: ['projects/'],
    pattern: /projects\/[a-z0-9-]{1,64}\/secrets\/[A-Za-z0-9_-]{1,255}/,
  },
  {
    class: 'secret-reference',
    rule: 'azure-key-vault',
    hints: ['.vault.azure.net'],
    pattern: /\.vault\.azure\.net\/(?:secrets|keys|certificates)\//i,
  },
  {
    class: 'secret-reference',
    rule: 'secret-reference-uri',
    hints: ['vault:', 'secretsmanager:', 'ref+'],
    pattern:
      /(?:^|[\s"'])(?:ref\+(?:vault|awssecrets|awsssm|gcpsecrets|azurekeyvault)|vault|secretsmanager):\/{0,2}[A-Za-z0-9]/,
  },
  {
    class: 'infra-topology',
    rule: 'aws-iam-role-arn',
    hints: ['arn:aws'],
    pattern: /arn:aws[a-z-]{0,12}:iam::\d{12}:(?:role|user|instance-profile)\//,
  },
  {
    class: 'infra-topology',
    rule: 'aws-resource-arn',
    hints: ['arn:aws'],
    pattern:
      /arn:aws[a-z-]{0,12}:(?!iam:|secretsmanager:|ssm:)[a-z0-9-]{2,32}:[a-z0-9-]{0,32}:(?:\d{12})?:/,
  },
  {
    class: 'infra-topology',
    rule: 'gcp-service-account',
    hints: ['.iam.gserviceaccount.com'],
    pattern: /@[a-z0-9-]{1,64}\.iam\.gserviceaccount\.com/,
  },
  {
    class: 'infra-topology',
    rule: 'azure-resource-id',
    hints: ['/subscriptions/'],
    pattern: /\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\//i,
  },
  {
    class: 'incident-routing',
    rule: 'incident-tool-url',
    hints: ['pagerduty.com/', 'opsgenie.com/'],
    pattern:
      /pagerduty\.com\/(?:service-directory|services|schedules|escalation_policies)\/|opsgenie\.com\//i,
  },
];

const HINT_CHARACTERS = /[:/.+]/;
if (VALUE_RULES.some(rule => rule.hints.some(hint => !HINT_CHARACTERS.test(hint)))) {
  throw new Error('Every value rule hint must hold one of the HINT_CHARACTERS');
}
/** Any hint of any value rule, as literals (case-sensitive, like `includes`). */
const ANY_HINT = new RegExp(
  [...new Set(VALUE_RULES.flatMap(rule => rule.hints))]
    .map(hint => hint.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
    .join('|'),
);
const HTTP_URL = /^https?:\/\//i;

const OBSERVABILITY_URL =
  /^https?:\/\/[^/\s]{0,200}(?:grafana|datadoghq|kibana|sentry\.io|newrelic|honeycomb\.io|splunkcloud|lightstep|dynatrace|signalfx)/i;
const OBSERVABILITY_URL_PATH =
  /^https?:\/\/[^/\s]{1,200}\/(?:[^\s]{0,100}\/)?(?:d|dashboards?|app\/kibana)(?:\/|$)/i;
const RUNBOOK_TEXT = /runbook|playbook|break[-_ ]?glass/i;
// A link title that names an observability tool or signal. "Dashboard" alone does not: admin
// dashboards, project boards and status pages are dashboards too.
const OBSERVABILITY_TITLE =
  /grafana|kibana|datadog|prometheus|new ?relic|dynatrace|honeycomb|splunk|sentry|lightstep|signalfx|observability|metrics|monitoring|\bapm\b|tracing|\blogs\b/i;
// Hosts of documents and code, where a page titled "Grafana" is a page about Grafana.
const DOCUMENT_HOST =
  /(?:^|\.)(?:github\.com|github\.io|gitlab\.com|bitbucket\.org|notion\.so|notion\.site|docs\.google\.com|drive\.google\.com|medium\.com|youtube\.com|backstage\.io|readthedocs\.io|wikipedia\.org|npmjs\.com)$/i;
// Documentation hosts: `example.com`, `example-org.com`, `*.example`, `*.test`, `localhost`.
const EXAMPLE_HOST = /(?:^|[.-])example(?:[.-]|$)|\.(?:test|invalid|localhost)$|^localhost$/i;
const URL_HOST = /^[a-z][a-z0-9+.-]{0,20}:\/\/(?:[^@/?#\s]{0,256}@)?([^/?#:\s]{1,253})/i;

function hostOf(url: string): string | undefined {
  return URL_HOST.exec(url)?.[1]?.toLowerCase();
}

/** Neither a documentation host nor the template of a host (`grafana.${{ values.domain }}`). */
function isConcreteHost(host: string | undefined): boolean {
  return !!host && !EXAMPLE_HOST.test(host) && !/[{}$<>]/.test(host);
}

// Values of sensitive keys that name nothing particular: `kubernetes-namespace: default`.
const GENERIC_VALUES = new Set(['default', 'none', 'n/a', 'tbd', 'todo', 'unknown', '-']);

/** What the whole catalog entity reveals, one hit per field and class. */
export function findSensitiveReferences(
  fields: Iterable<{ path: string; key: string; value: string; area: FieldArea }>,
  links: Array<{ url?: string; title?: string; type?: string; icon?: string }>,
  settings: SensitiveReferenceSettings,
  isSecretField: (path: string) => boolean,
): ReferenceHit[] {
  const hits = new Map<string, ReferenceHit>();
  const add = (path: string, cls: SensitiveReferenceClass, rule: string, severity?: Severity) => {
    const id = `${path}#${cls}`;
    if (!hits.has(id)) {
      hits.set(id, { path, class: cls, rule, severity: severityOf(settings, cls, severity) });
    }
  };

  const verdictOf = keyVerdictsOf(settings);
  for (const field of fields) {
    const { path, key, value, area } = field;
    if (isPlaceholder(value)) continue;
    if (area === 'annotation' || area === 'label') {
      if (CATALOG_MANAGED_KEYS.has(key)) continue;
      const verdict = verdictOf(key);
      if (verdict.ignored) continue;
      // A key that holds a detected secret is reported as that secret, not as a reference; a
      // secret-named key that holds a stand-in (`graph-token: qwerty…`) holds nothing.
      if (
        verdict.hit &&
        !isSecretField(path) &&
        !containsSubstitution(value) &&
        !GENERIC_VALUES.has(lowerCaseEn(value.trim())) &&
        !(isSecretKeyName(key) && isPlaceholderSecret(value))
      ) {
        add(path, verdict.hit.class, verdict.hit.rule, verdict.hit.severity);
      }
    }
    for (const rule of internalEndpointRules(value, settings)) {
      add(path, 'internal-endpoint', `value:${rule}`);
    }
    // Every hint holds one of these characters, and lower-casing neither adds nor removes them.
    if (HINT_CHARACTERS.test(value)) {
      const lower = lowerCaseEn(value);
      // One pass for "any rule's hint": most values hold none.
      if (ANY_HINT.test(lower)) {
        for (const rule of VALUE_RULES) {
          if (!rule.hints.some(hint => lower.includes(hint))) continue;
          if (rule.pattern.test(value)) add(path, rule.class, `value:${rule.rule}`);
        }
      }
    }
    if (HTTP_URL.test(value) && isConcreteHost(hostOf(value))) {
      if (OBSERVABILITY_URL.test(value) || OBSERVABILITY_URL_PATH.test(value)) {
        add(path, 'observability', 'value:observability-url');
      }
      if (RUNBOOK_TEXT.test(value.slice(0, 2048))) add(path, 'runbook', 'value:runbook-url');
    }
  }

  links.forEach((link, i) => {
    if (!link || typeof link.url !== 'string') return;
    const path = `metadata.links[${i}].url`;
    if (isSecretField(path)) return; // a webhook or credential URL is reported as a secret
    // The class comes from what the link is (its URL, judged above as a field) and what its
    // author calls it (the title); never from its icon or free-form type, which are looks.
    const title = typeof link.title === 'string' ? link.title : '';
    if (!title || containsSubstitution(link.url)) return;
    const host = hostOf(link.url) ?? '';
    if (!isConcreteHost(host)) return;
    if (RUNBOOK_TEXT.test(title)) add(path, 'runbook', 'link:runbook');
    if (OBSERVABILITY_TITLE.test(title) && !DOCUMENT_HOST.test(host)) {
      add(path, 'observability', 'link:observability-title');
    }
  });

  return [...hits.values()];
}

/** Which part of the entity a string came from; key rules apply to annotations and labels. */
export type FieldArea = 'annotation' | 'label' | 'other';
