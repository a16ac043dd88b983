import {
  AuditorService,
  BackstageCredentials,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { stringifyEntityRef } from '@backstage/catalog-model';
import express, { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import {
  ChangeSinceType,
  ExemptionScopeType,
  ExemptionsQuery,
  ExemptionState,
  FindingsQuery,
  FindingSortField,
  FindingStatus,
  ScanChangeType,
  securityPostureScanCreatePermission,
  Severity,
} from '@security-posture/plugin-security-posture-common';
import { PostureStore } from './database/PostureStore';
import { CheckRegistry } from '@security-posture/checks';
import { ReportService } from './service/ReportService';
import { ScanService } from './service/ScanService';
import { ExemptionService } from './service/ExemptionService';
import { TooManyRequestsError } from './service/errors';
import { countsCsv, CsvOptions, findingsCsv } from './service/csv';
import { publishedDataCsv } from './service/publishedCsv';
import { scorecardsCsv, TeamScorecardService } from './service/teamScorecards';
import { errorMapper } from './api/errors';
import { createValidatedRouter } from './api/validation';
import { openApiSpec } from './schema/spec';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  logger: LoggerService;
  report: ReportService;
  scans: ScanService;
  exemptions: ExemptionService;
  store: PostureStore;
  registry: CheckRegistry;
  scorecards: TeamScorecardService;
}

type ValidatedQuery = Request['query'];

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function list<T extends string = string>(value: unknown): T[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map(String) as T[];
}

function integer(value: unknown): number | undefined {
  return value === undefined ? undefined : Number(value);
}

/**
 * The checks a scan request limits itself to (`{ checkIds }`; the validator checked the shape):
 * each must be a registered, enabled check. Undefined for a scan of every check.
 */
function enabledCheckIdsOf(body: unknown, registry: CheckRegistry): string[] | undefined {
  const requested = (body as { checkIds?: string[] } | undefined)?.checkIds;
  if (!requested) return undefined;
  const checks = new Map(registry.list().map(c => [c.check.meta.id, c.enabled]));
  const unknown = requested.filter(id => !checks.has(id));
  if (unknown.length) {
    throw new InputError(`Unknown check id(s): ${unknown.join(', ')}`);
  }
  const disabled = requested.filter(id => !checks.get(id));
  if (disabled.length) {
    throw new InputError(`Check(s) not enabled, so not scanned: ${disabled.join(', ')}`);
  }
  return [...new Set(requested)];
}

/**
 * The findings query of a request the OpenAPI validator accepted (types, bounds and enums are
 * checked there): single values of list parameters become lists.
 */
export function findingsQueryOf(query: ValidatedQuery): FindingsQuery {
  return {
    category: list(query.category),
    severity: list<Severity>(query.severity),
    status: list<FindingStatus>(query.status),
    checkId: list(query.checkId),
    owner: list(query.owner),
    entityKind: list(query.entityKind),
    text: query.text as string | undefined,
    orderBy: query.orderBy as FindingSortField | undefined,
    order: query.order as FindingsQuery['order'],
    limit: integer(query.limit),
    offset: integer(query.offset),
  };
}

/** The exemptions query of a request the OpenAPI validator accepted. */
export function exemptionsQueryOf(query: ValidatedQuery): ExemptionsQuery {
  return {
    state: list<ExemptionState>(query.state),
    scopeType: list<ExemptionScopeType>(query.scopeType),
    checkId: query.checkId as string | undefined,
    entityRef: query.entityRef as string | undefined,
    createdBy: query.createdBy as string | undefined,
    expiringWithinDays: integer(query.expiringWithinDays),
    limit: integer(query.limit),
    offset: integer(query.offset),
  };
}

function csvOptionsOf(query: ValidatedQuery): CsvOptions {
  return { bom: String(query.bom) === 'true' };
}

function entityRefOf(req: Request) {
  return stringifyEntityRef({
    kind: req.params.kind,
    namespace: req.params.namespace,
    name: req.params.name,
  });
}

function sendCsv(res: Response, filename: string) {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

function safeFileName(text: string) {
  return text.replace(/[^a-zA-Z0-9._-]+/g, '_').slice(0, 120);
}

function requesterOf(credentials: BackstageCredentials) {
  const principal = credentials.principal as { userEntityRef?: string; subject?: string };
  return principal.userEntityRef ?? `service:${principal.subject}`;
}

/**
 * HTTP only: every request is validated against src/schema/openapi.yaml first, then handlers
 * authenticate, authorize, audit and call the services; one error handler decides what a caller
 * learns about a failure.
 */
export async function createRouter(options: RouterOptions): Promise<express.Router> {
  const { httpAuth, permissions, auditor, logger, report, scans, scorecards, exemptions, store, registry } =
    options;
  const router = createValidatedRouter(openApiSpec());

  const userOrService = (req: Request) =>
    httpAuth.credentials(req, { allow: ['user', 'service'] });

  router.get('/summary', async (req, res) => {
    const credentials = await userOrService(req);
    const event = await auditor.createEvent({
      eventId: 'report-read',
      request: req,
      meta: { queryType: 'summary' },
    });
    try {
      res.json(await report.summary(credentials));
      await event.success();
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.get('/findings', async (req, res) => {
    const query = findingsQueryOf(req.query);
    const credentials = await userOrService(req);
    const event = await auditor.createEvent({
      eventId: 'report-read',
      request: req,
      meta: { queryType: 'findings', query: JSON.parse(JSON.stringify(query)) },
    });
    try {
      const page = await report.findings(query, credentials);
      await event.success({ meta: { scope: page.scope, totalItems: page.totalItems } });
      res.json(page);
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  // Before /findings/:fingerprint, which would take `groups` for a fingerprint.
  router.get('/findings/groups', async (req, res) => {
    const query = findingsQueryOf(req.query);
    const credentials = await userOrService(req);
    const event = await auditor.createEvent({
      eventId: 'report-read',
      request: req,
      meta: { queryType: 'finding-groups', query: JSON.parse(JSON.stringify(query)) },
    });
    try {
      const page = await report.findingGroups(query, credentials);
      await event.success({ meta: { scope: page.scope, totalItems: page.totalItems } });
      res.json(page);
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.get('/findings/:fingerprint', async (req, res) => {
    const credentials = await userOrService(req);
    const event = await auditor.createEvent({
      eventId: 'report-read',
      request: req,
      meta: { queryType: 'finding', fingerprint: req.params.fingerprint },
    });
    try {
      res.json(await report.finding(req.params.fingerprint, credentials));
      await event.success();
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.get('/entities/:kind/:namespace/:name/findings', async (req, res) => {
    const credentials = await userOrService(req);
    const entityRef = entityRefOf(req);
    const event = await auditor.createEvent({
      eventId: 'report-read',
      request: req,
      meta: { queryType: 'entity', entityRef },
    });
    try {
      const result = await report.entityFindings(entityRef, credentials);
      await event.success({ meta: { visibility: result.visibility } });
      res.json(result);
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.get('/entities/:kind/:namespace/:name/findings.csv', async (req, res) => {
    const credentials = await userOrService(req);
    const entityRef = entityRefOf(req);
    const csvOptions = csvOptionsOf(req.query);
    const event = await auditor.createEvent({
      eventId: 'report-export',
      severityLevel: 'medium',
      request: req,
      meta: { exportType: 'entity', entityRef },
    });
    try {
      const result = await report.entityFindings(entityRef, credentials);
      sendCsv(res, `security-posture-${safeFileName(result.entityRef)}.csv`);
      const body =
        result.visibility === 'details'
          ? findingsCsv(
              store.streamFindings(
                { entityRef: result.entityRef, status: ['open', 'exempted'] },
                { type: 'all' },
              ),
              csvOptions,
            )
          : countsCsv(result.entityRef, result.counts, csvOptions);
      await pipeline(body, res);
      await event.success({ meta: { visibility: result.visibility } });
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.get('/export.csv', async (req, res) => {
    const query = findingsQueryOf(req.query);
    const csvOptions = csvOptionsOf(req.query);
    const credentials = await userOrService(req);
    const event = await auditor.createEvent({
      eventId: 'report-export',
      severityLevel: 'medium',
      request: req,
      meta: { exportType: 'report', query: JSON.parse(JSON.stringify(query)) },
    });
    try {
      const visibility = await report.visibilityFor(credentials);
      sendCsv(res, `security-posture-${visibility.scope === 'all' ? 'report' : 'my-entities'}.csv`);
      await pipeline(findingsCsv(store.streamFindings(query, visibility), csvOptions), res);
      await event.success({ meta: { scope: visibility.scope } });
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.post('/scans', async (req, res) => {
    const credentials = await userOrService(req);
    const event = await auditor.createEvent({
      eventId: 'scan-start',
      severityLevel: 'medium',
      request: req,
    });
    try {
      const [decision] = await permissions.authorize(
        [{ permission: securityPostureScanCreatePermission }],
        { credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError('Starting a security posture scan is not allowed');
      }
      const fullPass = String(req.query.full) === 'true';
      const checkIds = enabledCheckIdsOf(req.body, registry);
      if (checkIds && fullPass) {
        throw new InputError('full=true applies to scans of every check, not to checkIds');
      }
      const scan = await scans.requestScan({
        trigger: 'manual',
        requestedBy: requesterOf(credentials),
        fullPass,
        checkIds,
      });
      await event.success({
        meta: { scanId: scan.id, fullPass, ...(checkIds ? { checkIds } : {}) },
      });
      res.status(202).json(scan);
    } catch (error) {
      await event.fail({
        error: error as Error,
        meta:
          error instanceof TooManyRequestsError
            ? { throttled: true, retryAfterSeconds: error.retryAfterSeconds }
            : undefined,
      });
      throw error;
    }
  });

  router.get('/scans', async (req, res) => {
    await report.assertCanReadReport(await userOrService(req));
    const items = await store.listScans({ limit: integer(req.query.limit) ?? 20 });
    const changes = await store.summarizeScanChanges(items.map(scan => scan.id));
    res.json({ items: items.map(scan => ({ ...scan, changes: changes.get(scan.id) })) });
  });

  router.get('/scans/:id/changes', async (req, res) => {
    await report.assertCanReadReport(await userOrService(req));
    const page = await store.listScanChanges(req.params.id, {
      change: list<ScanChangeType>(req.query.change),
      limit: integer(req.query.limit),
      offset: integer(req.query.offset),
    });
    if (!page) throw new NotFoundError(`No scan ${req.params.id}`);
    res.json(page);
  });

  router.get('/changes', async (req, res) => {
    await report.assertCanReadReport(await userOrService(req));
    const since = String(req.query.since);
    // Full date-times only: a bare date's time zone would be a guess.
    if (!ISO_DATE_TIME.test(since) || Number.isNaN(Date.parse(since))) {
      throw new InputError('since must be an ISO 8601 date-time, e.g. 2026-12-01T00:00:00Z');
    }
    res.json(
      await store.listChangesSince({
        since,
        change: list<ChangeSinceType>(req.query.change),
        limit: integer(req.query.limit),
        offset: integer(req.query.offset),
      }),
    );
  });

  router.get('/scans/:id', async (req, res) => {
    await report.assertCanReadReport(await userOrService(req));
    const scan = await store.getScan(req.params.id);
    if (!scan) throw new NotFoundError(`No scan ${req.params.id}`);
    res.json(scan);
  });

  router.get('/scorecards', async (req, res) => {
    const credentials = await userOrService(req);
    const event = await auditor.createEvent({
      eventId: 'report-read',
      request: req,
      meta: { queryType: 'scorecards' },
    });
    try {
      const result = await scorecards.scorecards(credentials);
      await event.success({ meta: { scope: result.scope, owners: result.items.length } });
      res.json(result);
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.get('/scorecards/export.csv', async (req, res) => {
    const credentials = await userOrService(req);
    const event = await auditor.createEvent({
      eventId: 'report-export',
      severityLevel: 'medium',
      request: req,
      meta: { exportType: 'scorecards' },
    });
    try {
      const result = await scorecards.scorecards(credentials);
      sendCsv(
        res,
        `security-posture-${result.scope === 'all' ? 'team-scorecards' : 'my-teams'}.csv`,
      );
      await pipeline(scorecardsCsv(result.items, csvOptionsOf(req.query)), res);
      await event.success({ meta: { scope: result.scope, owners: result.items.length } });
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.get('/history', async (req, res) => {
    await report.assertCanReadReport(await userOrService(req));
    res.json({ items: await store.listHistory({ limit: integer(req.query.limit) ?? 90 }) });
  });

  router.get('/checks/:category/:name/data/:key', async (req, res) => {
    await report.assertCanReadReport(await userOrService(req));
    const checkId = `${req.params.category}/${req.params.name}`;
    const record = await store.getPublished(checkId, req.params.key);
    if (!record) {
      throw new NotFoundError(`Check ${checkId} has published no '${req.params.key}' data yet`);
    }
    res.json(record);
  });

  router.get('/checks/:category/:name/data/:key/export.csv', async (req, res) => {
    const credentials = await userOrService(req);
    const checkId = `${req.params.category}/${req.params.name}`;
    const event = await auditor.createEvent({
      eventId: 'report-export',
      severityLevel: 'medium',
      request: req,
      meta: { exportType: 'check-data', checkId, key: req.params.key },
    });
    try {
      await report.assertCanReadReport(credentials);
      const record = await store.getPublished(checkId, req.params.key);
      const body =
        record && publishedDataCsv(checkId, record.key, record.data, csvOptionsOf(req.query));
      if (!body) {
        throw new NotFoundError(`Check ${checkId} has no '${req.params.key}' data to export`);
      }
      sendCsv(res, `security-posture-${safeFileName(`${checkId}-${record.key}`)}.csv`);
      await pipeline(body, res);
      await event.success();
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.get('/exemptions', async (req, res) => {
    const query = exemptionsQueryOf(req.query);
    const credentials = await userOrService(req);
    const event = await auditor.createEvent({
      eventId: 'report-read',
      request: req,
      meta: { queryType: 'exemptions', query: JSON.parse(JSON.stringify(query)) },
    });
    try {
      const page = await exemptions.list(query, credentials);
      await event.success({ meta: { scope: page.scope, totalItems: page.totalItems } });
      res.json(page);
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.post('/exemptions', async (req, res) => {
    const credentials = await userOrService(req);
    const event = await auditor.createEvent({
      eventId: 'exemption-create',
      severityLevel: 'medium',
      request: req,
      // What is asked for, not the reason's text (it is in the record the id names).
      meta: { scope: req.body?.scope, kind: req.body?.kind, expiresAt: req.body?.expiresAt },
    });
    try {
      const exemption = await exemptions.create(req.body, credentials);
      await event.success({
        meta: {
          exemptionId: exemption.id,
          scope: exemption.scope,
          kind: exemption.kind,
          expiresAt: exemption.expiresAt,
          createdBy: exemption.createdBy,
        },
      });
      res.status(201).json(exemption);
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.delete('/exemptions/:id', async (req, res) => {
    const credentials = await userOrService(req);
    const event = await auditor.createEvent({
      eventId: 'exemption-revoke',
      severityLevel: 'medium',
      request: req,
      meta: { exemptionId: req.params.id },
    });
    try {
      const exemption = await exemptions.revoke(req.params.id, credentials);
      await event.success({
        meta: { scope: exemption.scope, kind: exemption.kind, revokedBy: exemption.revokedBy },
      });
      res.json(exemption);
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.get('/checks', async (req, res) => {
    await userOrService(req);
    res.json({ items: registry.listMetadata() });
  });

  router.use(errorMapper(logger));
  return router;
}
