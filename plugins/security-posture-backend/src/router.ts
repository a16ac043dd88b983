import {
  AuditorService,
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { PermissionsService } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import express, { Request, Response } from 'express';
import Router from 'express-promise-router';
import { pipeline } from 'node:stream/promises';
import {
  FindingsQuery,
  FindingSortField,
  isSeverity,
  securityPostureScanCreatePermission,
  Severity,
} from '@security-posture/plugin-security-posture-common';
import { PostureStore } from './database/PostureStore';
import { CheckRegistry } from './service/CheckRegistry';
import { ReportService } from './service/ReportService';
import { ScanService } from './service/ScanService';
import { countsCsv, findingsCsv } from './service/csv';
import { publishedDataCsv } from './service/publishedCsv';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  logger: LoggerService;
  report: ReportService;
  scans: ScanService;
  store: PostureStore;
  registry: CheckRegistry;
}

const SORT_FIELDS: FindingSortField[] = [
  'severity',
  'category',
  'checkId',
  'entityRef',
  'firstSeenAt',
  'lastSeenAt',
];

function list(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const values = (Array.isArray(value) ? value : [value]).flatMap(v =>
    typeof v === 'string' ? v.split(',') : [],
  );
  return values.map(v => v.trim()).filter(Boolean);
}

function integer(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < 0) {
    throw new InputError(`${name} must be a non-negative integer`);
  }
  return n;
}

/** Parses the findings query string; unknown values are rejected, not ignored. */
export function parseFindingsQuery(query: Request['query']): FindingsQuery {
  const severity = list(query.severity);
  if (severity?.some(s => !isSeverity(s))) {
    throw new InputError(`severity must be one of critical, high, medium, low, info`);
  }
  const status = list(query.status);
  if (status?.some(s => s !== 'open' && s !== 'resolved')) {
    throw new InputError(`status must be open or resolved`);
  }
  const orderBy = query.orderBy;
  if (orderBy !== undefined && !SORT_FIELDS.includes(orderBy as FindingSortField)) {
    throw new InputError(`orderBy must be one of ${SORT_FIELDS.join(', ')}`);
  }
  const order = query.order;
  if (order !== undefined && order !== 'asc' && order !== 'desc') {
    throw new InputError(`order must be asc or desc`);
  }
  if (query.text !== undefined && (typeof query.text !== 'string' || query.text.length > 200)) {
    throw new InputError('text must be a string of at most 200 characters');
  }
  return {
    category: list(query.category),
    severity: severity as Severity[] | undefined,
    status: status as FindingsQuery['status'],
    checkId: list(query.checkId),
    owner: list(query.owner),
    entityKind: list(query.entityKind),
    text: query.text as string | undefined,
    orderBy: orderBy as FindingSortField | undefined,
    order: order as FindingsQuery['order'],
    limit: integer(query.limit, 'limit'),
    offset: integer(query.offset, 'offset'),
  };
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

export async function createRouter(options: RouterOptions): Promise<express.Router> {
  const { httpAuth, permissions, auditor, report, scans, store, registry } = options;
  const router = Router();
  router.use(express.json({ limit: '16kb' }));

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
    const query = parseFindingsQuery(req.query);
    const credentials = await userOrService(req);
    const event = await auditor.createEvent({
      eventId: 'report-read',
      request: req,
      meta: { queryType: 'findings', query: JSON.parse(JSON.stringify(query)) },
    });
    const page = await report.findings(query, credentials);
    await event.success({ meta: { scope: page.scope, totalItems: page.totalItems } });
    res.json(page);
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
              store.streamFindings({ entityRef: result.entityRef, status: ['open'] }, { type: 'all' }),
            )
          : countsCsv(result.entityRef, result.counts);
      await pipeline(body, res);
      await event.success({ meta: { visibility: result.visibility } });
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.get('/export.csv', async (req, res) => {
    const query = parseFindingsQuery(req.query);
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
      await pipeline(findingsCsv(store.streamFindings(query, visibility)), res);
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
      const requestedBy =
        'userEntityRef' in credentials.principal
          ? credentials.principal.userEntityRef
          : `service:${(credentials.principal as { subject: string }).subject}`;
      const scan = await scans.requestScan({ trigger: 'manual', requestedBy });
      await event.success({ meta: { scanId: scan.id } });
      res.status(202).json(scan);
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.get('/scans', async (req, res) => {
    await report.assertCanReadReport(await userOrService(req));
    const limit = Math.min(integer(req.query.limit, 'limit') ?? 20, 200);
    res.json({ items: await store.listScans({ limit }) });
  });

  router.get('/scans/:id', async (req, res) => {
    await report.assertCanReadReport(await userOrService(req));
    const scan = await store.getScan(req.params.id);
    if (!scan) throw new NotFoundError(`No scan ${req.params.id}`);
    res.json(scan);
  });

  router.get('/history', async (req, res) => {
    await report.assertCanReadReport(await userOrService(req));
    const limit = Math.min(integer(req.query.limit, 'limit') ?? 90, 1000);
    res.json({ items: await store.listHistory({ limit }) });
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
      const body = record && publishedDataCsv(checkId, record.key, record.data);
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

  router.get('/checks', async (req, res) => {
    await userOrService(req);
    res.json({ items: registry.listMetadata() });
  });

  return router;
}
