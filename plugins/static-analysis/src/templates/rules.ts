import {
  Severity,
  TemplateRuleId,
} from '@security-posture/plugin-security-posture-common';

export interface TemplateRule {
  id: TemplateRuleId;
  title: string;
  /** Severity when nothing about the finding raises or lowers it. */
  severity: Severity;
  /** The advisory or seed scenario the rule is grounded in, cited in every finding. */
  reference: string;
  remediation: string;
}

const SEED = 'seed: IDP-security-hardening.txt';

/** The analyser's rules. Severities are adjusted per finding (e.g. guarded built-in vs custom action). */
export const TEMPLATE_RULES: Record<TemplateRuleId, TemplateRule> = {
  'path-traversal': {
    id: 'path-traversal',
    title: 'User input controls a file path',
    severity: 'high',
    reference: `GHSA-mg3m-f475-28hv (scaffolder path traversal via targetPath); GHSA-rq6q-wr2q-7pgp (symlink traversal in fs:delete, debug:log, archives); ${SEED} "Patch-gap scaffolder attacker": targetPath ../../.ssh/authorized_keys`,
    remediation:
      'Fix the path in the template (e.g. `targetPath: ./service`) or constrain the parameter with an `enum` or an anchored `pattern` that excludes `/` and `..` (e.g. `^[a-z0-9-]{1,40}$`); custom actions must resolve paths with `resolveSafeChildPath`.',
  },
  ssrf: {
    id: 'ssrf',
    title: 'User input controls a URL the backend requests',
    severity: 'high',
    reference: `GHSA-q2x5-4xjx-c6p9 (URL reader redirects outside backend.reading.allow); GHSA-qmc2-jpr5-7rg9 (scaffolder SSTI to git token capture); ${SEED} "Restrict scaffolder allowed hosts to prevent SSRF via the fetch:plain action"`,
    remediation:
      'Pin scheme and host in the template (`https://github.com/acme/${{ parameters.name }}`) or constrain the parameter with an `enum` / anchored `pattern`; limit what the URL reader may reach with `backend.reading.allow` (there is no `scaffolder.allowedHosts`).',
  },
  'command-injection': {
    id: 'command-injection',
    title:
      'User input reaches a command or expression evaluated on the backend',
    severity: 'critical',
    reference:
      'GHSA-2g8g-63j4-9w3r and GHSA-wg6p-jmpc-xjmr (code execution through scaffolder templating); cookiecutter hooks and Rails application templates run code from the fetched URL',
    remediation:
      'Never pass parameters into commands, scripts, cookiecutter/Rails template URLs or expression languages; use an `enum` or an anchored `pattern` limited to `[A-Za-z0-9._-]`, and restrict such actions with the `scaffolder.action.execute` permission.',
  },
  'secret-exposure': {
    id: 'secret-exposure',
    title: 'Secret sent where others can read it',
    severity: 'high',
    reference: `${SEED} "Insider template injection": a template that exfiltrates the executing developer's token; GHSA-8wq8-6859-qx77 (scaffolder secrets exposed through the dry-run response)`,
    remediation:
      'Pass secrets only to inputs meant for credentials (`token`, `webhookSecret`, `secrets`) of actions whose destination is fixed; never log them, write them into files, outputs or URLs. Review who added the step.',
  },
  'hardcoded-secret': {
    id: 'hardcoded-secret',
    title: 'Credential written into the template',
    severity: 'high',
    reference: `${SEED} "Service Catalog Secret Hygiene": templates are catalog entities, readable by every catalog user`,
    remediation:
      'Rotate the credential, remove it from the template and its git history, and read it at run time from `scaffolder.defaultEnvironment.secrets` (`${{ environment.secrets.x }}`) or an integration.',
  },
  'workflow-dispatch-injection': {
    id: 'workflow-dispatch-injection',
    title: 'User input becomes a CI workflow input',
    severity: 'high',
    reference:
      'GitHub Actions script injection: a workflow that interpolates `${{ inputs.x }}` into `run:` executes it as shell with the repository token',
    remediation:
      'Constrain the parameter with an `enum` or an anchored `pattern` limited to `[A-Za-z0-9._-]`, and in the workflow read inputs through environment variables, never inline in `run:`.',
  },
  'insecure-repo-settings': {
    id: 'insecure-repo-settings',
    title: 'Repository created with weak security settings',
    severity: 'medium',
    reference:
      'publish:github defaults (repoVisibility private, protectDefaultBranch true, protectEnforceAdmins true) that the template weakens or lets the user choose',
    remediation:
      'Keep `repoVisibility` private/internal, `protectDefaultBranch` and `protectEnforceAdmins` true and `requiredApprovingReviewCount` ≥ 1; do not let the form choose visibility, collaborators or bypass lists (or limit them with an `enum`).',
  },
  'destructive-action': {
    id: 'destructive-action',
    title: 'Step deletes files or remote resources',
    severity: 'medium',
    reference:
      'GHSA-rq6q-wr2q-7pgp (fs:delete followed symlinks outside the workspace before scaffolder-backend 2.2.2/3.0.2/3.1.1)',
    remediation:
      'Delete only fixed paths inside the workspace; do not let parameters choose what is deleted, and gate remote deletions behind the `scaffolder.action.execute` permission.',
  },
  'catalog-fetch-user-ref': {
    id: 'catalog-fetch-user-ref',
    title: 'User chooses which catalog entity the template loads',
    severity: 'medium',
    reference:
      'catalog:fetch loads any entity the user can read and later steps act on its data with the backend credentials (confused deputy); EntityPicker catalogFilter binds only the form',
    remediation:
      'Constrain the reference with an `enum`, or check in the template that the loaded entity is one the user owns before acting on it.',
  },
  'unvalidated-param': {
    id: 'unvalidated-param',
    title: 'Unvalidated parameter reaches an action',
    severity: 'low',
    reference:
      'The scaffolder validates task parameters server-side only against the JSON schema (enum, const, pattern, type); ui:options bind the form, not the API',
    remediation:
      'Give the parameter an `enum` or an anchored `pattern` (for RepoUrlPicker: `allowedHosts` and `allowedOwners`), or stop passing it to the action.',
  },
  'user-controlled-loop': {
    id: 'user-controlled-loop',
    title: 'User input decides how often a step runs',
    severity: 'medium',
    reference:
      'A step with `each:` over a parameter runs once per element, with the backend credentials each time',
    remediation:
      'Bound the array parameter with `maxItems` (and constrain its items), or loop over a fixed list.',
  },
  'missing-owner': {
    id: 'missing-owner',
    title: 'Template has no owner',
    severity: 'low',
    reference: `${SEED} "Every template must be reviewed before it is added to the catalog": without spec.owner nobody is accountable`,
    remediation:
      'Set `spec.owner` to the team that reviews and maintains the template.',
  },
  'conditional-step': {
    id: 'conditional-step',
    title: 'User input decides whether a sensitive step runs',
    severity: 'medium',
    reference: `${SEED} "Insider template injection": behaviour hidden behind a condition is missed in review and dry runs`,
    remediation:
      'Do not let parameters switch sensitive steps on; if a step is optional, make the condition an `enum`/boolean parameter whose effect is documented in the form.',
  },
  'legacy-template-syntax': {
    id: 'legacy-template-syntax',
    title: 'Legacy template syntax',
    severity: 'low',
    reference:
      'backstage.io/v1beta2 templates and handlebars `{{ }}` are no longer run by the scaffolder; v1beta3 renders only `${{ }}`',
    remediation:
      'Migrate to `apiVersion: scaffolder.backstage.io/v1beta3` and `${{ }}` expressions.',
  },
  'cluster-write': {
    id: 'cluster-write',
    title: 'User input reaches manifests applied to a cluster',
    severity: 'high',
    reference: `${SEED} "the blast radius of a compromised Backstage backend is proportional to the integrations configured": kube:apply / kubernetes:apply act with the backend's cluster credentials`,
    remediation:
      'Apply fixed manifests only; constrain every parameter that reaches a manifest with an `enum` or an anchored `pattern` such as `^[a-z0-9-]{1,63}$` (a newline in free text adds fields), and restrict the action with the `scaffolder.action.execute` permission.',
  },
  'privileged-request': {
    id: 'privileged-request',
    title:
      'Step grants privileges or weakens protection with injected credentials',
    severity: 'high',
    reference: `${SEED} "Insider template injection": http:backstage:request to /proxy/* endpoints runs with the tokens the proxy injects, not the user's`,
    remediation:
      'Do not change roles, memberships or branch protection from templates; if a template must, fix the values in the template, gate it with the `scaffolder.action.execute` permission and give the proxy endpoint a token limited to that call.',
  },
  'force-push': {
    id: 'force-push',
    title: 'Step force-pushes or allows force pushes',
    severity: 'high',
    reference:
      'A force push rewrites history on the destination with the backend credentials: reviewed commits can be replaced; `allow_force_pushes` removes that protection for everyone',
    remediation:
      'Remove `force: true` / `--force` from the template and keep `allow_force_pushes` false on protected branches.',
  },
  'phishing-notification': {
    id: 'phishing-notification',
    title: 'User-chosen link sent as a Backstage notification',
    severity: 'medium',
    reference:
      'notification:send with broadcast or entity recipients shows the link inside the trusted portal: a user-chosen URL is a phishing channel',
    remediation:
      'Build notification links from fixed hosts (`https://backstage.example.com/catalog/${{ parameters.name }}`), or constrain the parameter with an `enum` / anchored `pattern`.',
  },
  'ci-workflow-injection': {
    id: 'ci-workflow-injection',
    title: 'User text written into a CI workflow of the new repository',
    severity: 'high',
    reference:
      'A `run:` line built from a parameter is command injection in the new repository: it runs on every push with the repository secrets',
    remediation:
      'Pass parameters to workflows as `env:` values or workflow inputs read through environment variables, or constrain them with an anchored `pattern` limited to `[A-Za-z0-9._-]`.',
  },
  'parse-error': {
    id: 'parse-error',
    title: 'Template could not be analysed',
    severity: 'low',
    reference: 'A template the analyser cannot read cannot be vouched for',
    remediation:
      'Fix the template so it is valid YAML with the `scaffolder.backstage.io/v1beta3` shape and valid `${{ }}` expressions.',
  },
};
