import { PackedReadEntities, ReadEntity } from './protocol';

export function packReadEntities(entities: ReadEntity[]): PackedReadEntities {
  const planEnds = new Uint32Array(entities.length);
  let length = 0;
  const plans = entities.map((entity, i) => {
    const plan = `${entity.applying}|${entity.unchecked}|${entity.contentHash ?? ''}`;
    length += plan.length;
    planEnds[i] = length;
    return plan;
  });
  return {
    entityRefs: entities.map(entity => entity.entityRef),
    plans: plans.join(''),
    planEnds,
    subjects: JSON.stringify(entities.map(entity => [entity.kind, entity.owners])),
  };
}

/** The entities of a page a worker read, unpacked field by field as the pass plans them. */
export class ReadEntities {
  private subjects?: Array<[string, string[]]>;

  constructor(private readonly packed: PackedReadEntities) {}

  get length(): number {
    return this.packed.entityRefs.length;
  }

  /** Per entity, in catalog order (the page's own array: read it, do not change it). */
  get entityRefs(): string[] {
    return this.packed.entityRefs;
  }

  /**
   * The entity's applying and unchecked checks (`ReadEntity.applying`, `.unchecked`) and, as one
   * text, a key equal for entities with the same two lists.
   */
  checksAt(index: number): { applying: string; unchecked: string; key: string } {
    const plan = this.planAt(index);
    const first = plan.indexOf('|');
    const second = plan.indexOf('|', first + 1);
    return {
      applying: plan.slice(0, first),
      unchecked: plan.slice(first + 1, second),
      key: plan.slice(0, second),
    };
  }

  /** The entity's content hash; undefined outside incremental passes. */
  contentHashAt(index: number): string | undefined {
    const plan = this.planAt(index);
    return plan.slice(plan.lastIndexOf('|') + 1) || undefined;
  }

  /** Everything the worker said of the entity. */
  at(index: number): ReadEntity {
    this.subjects ??= JSON.parse(this.packed.subjects) as Array<[string, string[]]>;
    const [kind, owners] = this.subjects[index];
    const { applying, unchecked } = this.checksAt(index);
    const entity: ReadEntity = {
      entityRef: this.packed.entityRefs[index],
      kind,
      owners,
      applying,
      unchecked,
    };
    const contentHash = this.contentHashAt(index);
    if (contentHash !== undefined) entity.contentHash = contentHash;
    return entity;
  }

  private planAt(index: number): string {
    if (!(index >= 0 && index < this.length))
      throw new RangeError(`no entity ${index} among ${this.length}`);
    const start = index > 0 ? this.packed.planEnds[index - 1] : 0;
    return this.packed.plans.slice(start, this.packed.planEnds[index]);
  }
}
