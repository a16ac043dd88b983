import {
  FindingEvidence,
  Severity,
  TemplateRuleId,
} from '@security-posture/plugin-security-posture-common';
import { ParsedValue } from './expressions';
import { SinkDefinition } from './sinks';
import { StepCredentials } from './stepCredentials';
import { forcePushes, literalMethod, privilegeChanges } from './stepEffects';
import { describeSource, TaintSource } from './taint';
import { Leaf } from './templateShapes';

/** One analysed input of a step, as the analyser hands it over. */
export interface AnalysedInput {
  leaf: Leaf;
  parsed?: ParsedValue;
  sources: TaintSource[];
  sink?: SinkDefinition;
}

/** A finding about what a step does as a whole (not one value reaching one sink). */
export interface StepEffectFinding {
  rule: TemplateRuleId;
  severity: Severity;
  location: string;
  inputPath?: string;
  parameter?: string;
  message: string;
  evidence: FindingEvidence;
}

const PRIVILEGE_PATH =
  /\/(?:memberships|invitations|collaborators|members|permissions|protection)(?:\/|$)/;

/**
 * Findings about a step as a whole: force pushes, requests that grant privileges or weaken
 * branch protection through a credential-injecting proxy, deletions through it, and
 * notifications broadcast with a user-chosen link. Severity follows whose credentials the
 * step uses.
 */
export function stepEffectFindings(args: {
  action: string;
  stepId: string;
  base: string;
  analysed: AnalysedInput[];
  credentials: StepCredentials;
  isFree: (source: TaintSource) => boolean;
}): StepEffectFinding[] {
  const { action, stepId, base, analysed, credentials, isFree } = args;
  const leaves = analysed.map(a => a.leaf);
  const findings: StepEffectFinding[] = [];
  const at = (leaf: Leaf) => `${base}.input.${leaf.display}`;
  const userOwn = credentials.kind === 'user-token';

  for (const push of forcePushes(leaves)) {
    findings.push({
      rule: 'force-push',
      severity: userOwn ? 'low' : 'high',
      location: at(push.leaf),
      inputPath: push.leaf.display,
      message: `Step '${stepId}' (${action}) ${
        push.how === 'allow_force_pushes: true'
          ? 'allows force pushes on a protected branch'
          : `force-pushes (${push.how})`
      }: history on the destination can be rewritten${
        userOwn ? " (with the executing user's own token)" : ''
      }`,
      evidence: { how: push.how },
    });
  }

  if (action === 'http:backstage:request') {
    const proxied = credentials.kind === 'proxy-injected';
    const pathLeaf = leaves.find(
      l => l.segments.length === 1 && l.segments[0] === 'path',
    );
    const path = typeof pathLeaf?.value === 'string' ? pathLeaf.value : '';
    const sourcesOf = (leaf: Leaf) =>
      analysed.find(a => a.leaf === leaf)?.sources ?? [];
    const changes = privilegeChanges(leaves, leaf =>
      sourcesOf(leaf).some(isFree),
    );
    for (const change of changes) {
      const chosenBy = sourcesOf(change.leaf).find(isFree);
      findings.push({
        rule: 'privileged-request',
        severity: proxied ? 'high' : 'medium',
        location: at(change.leaf),
        inputPath: change.leaf.display,
        parameter: chosenBy?.name,
        message: `Step '${stepId}' sends ${change.what}${
          chosenBy ? ` (${describeSource(chosenBy)})` : ''
        } to '${path.slice(0, 120)}'${
          proxied
            ? `, ${credentials.reason}: the change is made with the proxy's token, whoever runs the template`
            : ' on behalf of the user'
        }`,
        evidence: { change: change.what, path: path.slice(0, 200), proxied },
      });
    }
    if (
      changes.length === 0 &&
      proxied &&
      PRIVILEGE_PATH.test(path) &&
      literalMethod(leaves) !== 'GET'
    ) {
      findings.push({
        rule: 'privileged-request',
        severity: 'medium',
        location: pathLeaf ? at(pathLeaf) : `${base}.input.path`,
        inputPath: 'path',
        message: `Step '${stepId}' changes memberships, collaborators or protection at '${path.slice(
          0,
          120,
        )}', ${credentials.reason}`,
        evidence: { path: path.slice(0, 200), proxied },
      });
    }
    if (literalMethod(leaves) === 'DELETE') {
      const chosen = pathLeaf
        ? sourcesOf(pathLeaf).find(s => s.untrusted)
        : undefined;
      // Without the proxy the request carries the user's own delegated token: the plugin
      // applies that user's permissions.
      findings.push({
        rule: 'destructive-action',
        severity: proxied ? 'high' : 'low',
        location: `${base}.input.method`,
        inputPath: 'method',
        parameter: chosen?.name,
        message: `Step '${stepId}' sends DELETE to '${path.slice(0, 120)}'${
          chosen ? `, and ${describeSource(chosen)} chooses what` : ''
        }${
          proxied
            ? `; ${credentials.reason}`
            : ", on behalf of the executing user (the plugin's permission checks apply)"
        }`,
        evidence: { method: 'DELETE', proxied },
      });
    }
  }

  if (action === 'notification:send') {
    const recipients = leaves.find(
      l => l.segments.length === 1 && l.segments[0] === 'recipients',
    );
    const broadcast =
      typeof recipients?.value === 'string' &&
      recipients.value.trim() === 'broadcast';
    if (broadcast) {
      const link = analysed.find(
        a => a.leaf.segments.length === 1 && a.leaf.segments[0] === 'link',
      );
      const chosen = link?.parsed?.hostPinned
        ? undefined
        : link?.sources.find(isFree);
      if (link && chosen) {
        findings.push({
          rule: 'phishing-notification',
          severity: 'high',
          location: at(link.leaf),
          inputPath: link.leaf.display,
          parameter: chosen.name,
          message: `Step '${stepId}' broadcasts a notification to every user with a link chosen by ${describeSource(
            chosen,
          )}: a phishing channel inside the portal`,
          evidence: { recipients: 'broadcast' },
        });
      }
    }
  }
  return findings;
}
