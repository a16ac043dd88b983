import { AuditedEvent, AuditEventHub } from './auditEvents';

const event = (at: number): AuditedEvent => ({
  at,
  plugin: 'catalog',
  eventId: 'entity-fetch',
});

describe('AuditEventHub', () => {
  it('keeps events until the consumer subscribes, up to its capacity, then hands them on directly', () => {
    const hub = new AuditEventHub(3);
    for (let i = 1; i <= 5; i++) hub.publish(event(i));
    const seen: number[] = [];
    hub.subscribe(e => seen.push(e.at));
    hub.publish(event(6));
    expect(seen).toEqual([3, 4, 5, 6]);
    expect(hub.droppedCount()).toBe(2);
  });

  it('never throws into the auditor, and takes one consumer only', () => {
    const hub = new AuditEventHub();
    hub.subscribe(() => {
      throw new Error('engine down');
    });
    expect(() => hub.publish(event(1))).not.toThrow();
    expect(hub.droppedCount()).toBe(1);
    expect(() => hub.subscribe(() => {})).toThrow(/already/);
  });
});
