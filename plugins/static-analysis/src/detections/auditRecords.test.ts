import { parseAuditLogLine, timestampOf, toAuditRecord } from './auditRecords';

describe('auditor events as records', () => {
  it('keeps only what rules read from a live event, never meta such as queries or parameters', () => {
    const error = Object.assign(new Error('denied'), {
      name: 'NotAllowedError',
    });
    const record = toAuditRecord(
      {
        plugin: 'scaffolder',
        eventId: 'task',
        severityLevel: 'medium',
        status: 'failed',
        error,
        actor: { actorId: 'user:default/dana', ip: '::1', userAgent: 'curl' },
        meta: {
          actionType: 'create',
          templateRef: 'template:default/x',
          taskParameters: { token: 's3cr3t' },
        },
      },
      1000,
    );
    expect(record).toEqual({
      at: 1000,
      plugin: 'scaffolder',
      eventId: 'task',
      status: 'failed',
      severityLevel: 'medium',
      actorId: 'user:default/dana',
      ip: '::1',
      actionType: 'create',
      dryRun: undefined,
      errorName: 'NotAllowedError',
    });
    expect(JSON.stringify(record)).not.toContain('s3cr3t');
    expect(toAuditRecord({ eventId: 'task' }, 1)).toBeUndefined();
  });

  it('reads the JSON line the default auditor logs, with the timestamp the log pipeline added', () => {
    const line = JSON.stringify({
      actor: { actorId: 'user:default/dana', ip: '::ffff:127.0.0.1' },
      eventId: 'entity-mutate',
      isAuditEvent: true,
      level: 'info',
      message: 'catalog.entity-mutate nope',
      name: 'NotAllowedError',
      plugin: 'catalog',
      service: 'backstage',
      severityLevel: 'medium',
      status: 'failed',
      meta: { actionType: 'delete', uid: 'abc' },
      timestamp: '2026-03-02T10:00:00.500Z',
    });
    expect(parseAuditLogLine(line)).toEqual({
      type: 'record',
      record: expect.objectContaining({
        at: Date.parse('2026-03-02T10:00:00.500Z'),
        plugin: 'catalog',
        eventId: 'entity-mutate',
        status: 'failed',
        errorName: 'NotAllowedError',
        actorId: 'user:default/dana',
        actionType: 'delete',
      }),
    });
  });

  it('skips lines that are no auditor events or have no time', () => {
    expect(parseAuditLogLine('plain text')).toEqual({
      type: 'skipped',
      reason: 'not-json',
    });
    expect(
      parseAuditLogLine(
        '{"level":"info","message":"started","timestamp":"2026-01-01T00:00:00Z"}',
      ),
    ).toEqual({ type: 'skipped', reason: 'not-audit' });
    expect(
      parseAuditLogLine(
        '{"isAuditEvent":true,"plugin":"catalog","eventId":"entity-fetch"}',
      ),
    ).toEqual({ type: 'skipped', reason: 'no-timestamp' });
  });

  it('reads ISO, winston and epoch timestamps', () => {
    expect(timestampOf({ '@timestamp': '2026-03-02T10:00:00Z' })).toBe(
      Date.parse('2026-03-02T10:00:00Z'),
    );
    expect(timestampOf({ timestamp: '2026-03-02 10:00:00' })).toBe(
      Date.parse('2026-03-02T10:00:00Z'),
    );
    expect(timestampOf({ time: 1772445600 })).toBe(1772445600000);
    expect(timestampOf({ ts: 1772445600123 })).toBe(1772445600123);
    expect(timestampOf({ timestamp: 'yesterday' })).toBeUndefined();
  });
});
