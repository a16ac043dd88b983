import { MessageChannel } from 'node:worker_threads';
import { PackedReadEntities, ReadEntity } from './protocol';
import { packReadEntities, ReadEntities } from './readEntities';

const entities: ReadEntity[] = [
  {
    entityRef: 'component:default/a',
    kind: 'Component',
    owners: ['group:default/team-a', 'user:default/sam'],
    contentHash: 'etag:0a1b2c',
    applying: '0,2,',
    unchecked: '2,',
  },
  // A full pass: no content hash; no check applies.
  { entityRef: 'api:default/b', kind: 'API', owners: [], applying: '', unchecked: '' },
  {
    entityRef: 'template:default/c',
    // Owners are whatever the catalog holds: the packing must not read a separator in them.
    kind: 'Template',
    owners: ['group:default/with|pipe', 'group:default/"quoted"\n'],
    contentHash: '9f9f',
    applying: '1,',
    unchecked: '',
  },
];

describe('packed read entities', () => {
  it('unpacks every entity as the worker read it', () => {
    const read = new ReadEntities(packReadEntities(entities));
    expect(read.length).toBe(3);
    expect(read.entityRefs).toEqual(entities.map(e => e.entityRef));
    expect(entities.map((_, i) => read.at(i))).toEqual(entities);
    expect(read.contentHashAt(1)).toBeUndefined();
    expect(read.contentHashAt(2)).toBe('9f9f');
  });

  it('gives entities with the same applying and unchecked checks the same key, others another', () => {
    const read = new ReadEntities(
      packReadEntities([
        entities[0],
        { ...entities[1], applying: '0,2,', unchecked: '2,' },
        { ...entities[0], unchecked: '' },
        { ...entities[0], applying: '0,', unchecked: '2,' },
      ]),
    );
    const keys = [0, 1, 2, 3].map(i => read.checksAt(i).key);
    expect(keys[1]).toBe(keys[0]);
    expect(new Set(keys).size).toBe(3);
    expect(read.checksAt(0)).toMatchObject({ applying: '0,2,', unchecked: '2,' });
  });

  it('says plainly when asked for an entity it does not have', () => {
    const read = new ReadEntities(packReadEntities(entities));
    expect(() => read.checksAt(3)).toThrow('no entity 3 among 3');
    expect(() => read.contentHashAt(-1)).toThrow('no entity -1 among 3');
  });

  it('crosses a message port and unpacks the same', async () => {
    const packed = packReadEntities(entities);
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<PackedReadEntities>(resolve =>
      port2.once('message', resolve),
    );
    port1.postMessage(packed, [packed.planEnds.buffer as ArrayBuffer]);
    const arrived = await received;
    port1.close();
    const read = new ReadEntities(arrived);
    expect(entities.map((_, i) => read.at(i))).toEqual(entities);
  });
});
