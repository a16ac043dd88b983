import { EntityCheckEvaluation } from '../entityEvaluation';
import { NewFinding } from '../FindingFactory';

/**
 * A batch's evaluations as a worker sends them: a few flat arrays instead of an object (with its
 * counts, findings array and digest) per entity and check. The main thread holds a batch from its
 * arrival until the pass merges its page; hundreds of thousands of small objects held that long
 * outlived young collections and were what most of a full scan's old-generation garbage was.
 */
export interface PackedEvaluations {
  /** Per item, the index of its first evaluation; one more entry ends the last item. */
  starts: Uint32Array;
  /** Per evaluation: `Flag` bits. */
  flags: Uint8Array;
  /** Per evaluation, `NUMBERS` of them: the outcome counts, then the kept failures. */
  numbers: Uint32Array;
  durationsMs: Float64Array;
  /** The evaluations' findings digests, one after the other... */
  digests: string;
  /** ...each ending here (an evaluation without one: where the one before ended). */
  digestEnds: Uint32Array;
  /** Per evaluation, its position in `details`, or -1: most evaluations find nothing. */
  detailIndex: Int32Array;
  /** The findings of `details` come without their remediation and documentation link... */
  details: Array<Pick<EntityCheckEvaluation, 'findings' | 'thrown'>>;
  /** ...which are these texts, each once (a check's, the same for all of its findings)... */
  texts: string[];
  /**
   * ...two entries per finding of `details`, in order: the index in `texts` of its remediation
   * and of its documentation link (`UNSET`: no link). Empty once the texts are put back.
   */
  textIndexes: Int32Array;
}

const enum Flag {
  Applied = 1,
  ResultErrored = 2,
  Kept = 4,
  HasDigest = 8,
}

// fail, pass, error, notApplicable, keptFailures
const NUMBERS = 5;

/** A finding's documentation link that is undefined. */
const UNSET = -1;

/**
 * Interns the findings' remediation and documentation texts: structured cloning copies a string
 * wherever it occurs, so every finding carried its own ~500-byte copy of its check's remediation
 * across the thread (313,000 of them in a first scan of 110k entities).
 */
class TextTable {
  readonly texts: string[] = [];
  readonly indexes: number[] = [];
  private readonly positions = new Map<string, number>();

  strip(findings: NewFinding[]): NewFinding[] {
    return findings.map(({ remediation, docsUrl, ...rest }) => {
      this.indexes.push(this.indexOf(remediation), docsUrl === undefined ? UNSET : this.indexOf(docsUrl));
      return rest as NewFinding;
    });
  }

  private indexOf(text: string): number {
    let position = this.positions.get(text);
    if (position === undefined) {
      position = this.texts.length;
      this.texts.push(text);
      this.positions.set(text, position);
    }
    return position;
  }
}

/** Gives the findings of a part that arrived their texts back (in place, once). */
function putTextsBack(part: PackedEvaluations) {
  if (!part.textIndexes.length) return;
  let at = 0;
  for (const detail of part.details) {
    for (const finding of detail.findings) {
      finding.remediation = part.texts[part.textIndexes[at]];
      const docs = part.textIndexes[at + 1];
      finding.docsUrl = docs === UNSET ? undefined : part.texts[docs];
      at += 2;
    }
  }
  part.textIndexes = new Int32Array(0);
}

export function packEvaluations(
  evaluations: EntityCheckEvaluation[][],
): PackedEvaluations {
  const total = evaluations.reduce((sum, item) => sum + item.length, 0);
  const packed: PackedEvaluations = {
    starts: new Uint32Array(evaluations.length + 1),
    flags: new Uint8Array(total),
    numbers: new Uint32Array(total * NUMBERS),
    durationsMs: new Float64Array(total),
    digests: '',
    digestEnds: new Uint32Array(total),
    detailIndex: new Int32Array(total),
    details: [],
    texts: [],
    textIndexes: new Int32Array(0),
  };
  const texts = new TextTable();
  const digests: string[] = [];
  let digestsLength = 0;
  let index = 0;
  evaluations.forEach((item, position) => {
    packed.starts[position] = index;
    for (const evaluation of item) {
      const { counts } = evaluation;
      packed.flags[index] =
        (evaluation.applied ? Flag.Applied : 0) |
        (evaluation.resultErrored ? Flag.ResultErrored : 0) |
        (evaluation.keptFailures !== undefined ? Flag.Kept : 0) |
        (evaluation.findingsDigest !== undefined ? Flag.HasDigest : 0);
      const at = index * NUMBERS;
      packed.numbers[at] = counts.fail;
      packed.numbers[at + 1] = counts.pass;
      packed.numbers[at + 2] = counts.error;
      packed.numbers[at + 3] = counts.notApplicable;
      packed.numbers[at + 4] = evaluation.keptFailures ?? 0;
      packed.durationsMs[index] = evaluation.durationMs;
      if (evaluation.findingsDigest !== undefined) {
        digests.push(evaluation.findingsDigest);
        digestsLength += evaluation.findingsDigest.length;
      }
      packed.digestEnds[index] = digestsLength;
      if (evaluation.findings.length || evaluation.thrown) {
        packed.detailIndex[index] = packed.details.length;
        const findings = texts.strip(evaluation.findings);
        packed.details.push(
          evaluation.thrown ? { findings, thrown: evaluation.thrown } : { findings },
        );
      } else {
        packed.detailIndex[index] = -1;
      }
      index += 1;
    }
  });
  packed.starts[evaluations.length] = index;
  packed.digests = digests.join('');
  packed.texts = texts.texts;
  packed.textIndexes = Int32Array.from(texts.indexes);
  return packed;
}

/** The buffers a packed batch can hand over to the receiving thread instead of copying. */
export function transferablesOf(packed: PackedEvaluations): ArrayBuffer[] {
  return [
    packed.starts,
    packed.flags,
    packed.numbers,
    packed.durationsMs,
    packed.digestEnds,
    packed.detailIndex,
    packed.textIndexes,
  ].map(array => array.buffer as ArrayBuffer);
}

/**
 * The evaluations of one or more batches, in item order. An evaluation is unpacked when asked
 * for (and let go by whoever merges it), so only the packed arrays are held.
 */
export class EvaluationResults {
  private constructor(
    private readonly parts: PackedEvaluations[],
    /** Per part, the index of its first item. */
    private readonly firstItems: number[],
    readonly itemCount: number,
  ) {}

  static from(packed: PackedEvaluations[]): EvaluationResults {
    const parts = packed.filter(part => part.starts.length > 1);
    for (const part of parts) putTextsBack(part);
    const firstItems: number[] = [];
    let itemCount = 0;
    for (const part of parts) {
      firstItems.push(itemCount);
      itemCount += part.starts.length - 1;
    }
    return new EvaluationResults(parts, firstItems, itemCount);
  }

  /** Evaluations made on this thread (e.g. the `error` ones of a failed batch). */
  static of(evaluations: EntityCheckEvaluation[][]): EvaluationResults {
    return EvaluationResults.from([packEvaluations(evaluations)]);
  }

  static concat(results: EvaluationResults[]): EvaluationResults {
    return EvaluationResults.from(results.flatMap(result => result.parts));
  }

  /** How many evaluations the item has (one per check asked). */
  countOf(item: number): number {
    const [part, local] = this.locate(item);
    return part.starts[local + 1] - part.starts[local];
  }

  /** The item's evaluation of the `position`th check asked for it. */
  evaluation(item: number, position: number): EntityCheckEvaluation {
    const [part, local] = this.locate(item);
    const index = this.indexOf(part, local, item, position);
    const flags = part.flags[index];
    const at = index * NUMBERS;
    const detail =
      part.detailIndex[index] >= 0
        ? part.details[part.detailIndex[index]]
        : undefined;
    const evaluation: EntityCheckEvaluation = {
      applied: Boolean(flags & Flag.Applied),
      findings: detail?.findings ?? [],
      counts: {
        fail: part.numbers[at],
        pass: part.numbers[at + 1],
        error: part.numbers[at + 2],
        notApplicable: part.numbers[at + 3],
      },
      resultErrored: Boolean(flags & Flag.ResultErrored),
      durationMs: part.durationsMs[index],
    };
    if (detail?.thrown) evaluation.thrown = detail.thrown;
    const digest = digestAt(part, index);
    if (digest !== undefined) evaluation.findingsDigest = digest;
    if (flags & Flag.Kept) evaluation.keptFailures = part.numbers[at + 4];
    return evaluation;
  }

  /** The item's evaluation's `findingsDigest`, without unpacking the rest. */
  findingsDigest(item: number, position: number): string | undefined {
    const [part, local] = this.locate(item);
    return digestAt(part, this.indexOf(part, local, item, position));
  }

  /** Every evaluation, unpacked: per item, per check asked. */
  toArrays(): EntityCheckEvaluation[][] {
    return Array.from({ length: this.itemCount }, (_, item) =>
      Array.from({ length: this.countOf(item) }, (__, position) =>
        this.evaluation(item, position),
      ),
    );
  }

  private indexOf(
    part: PackedEvaluations,
    local: number,
    item: number,
    position: number,
  ): number {
    const index = part.starts[local] + position;
    if (position < 0 || index >= part.starts[local + 1])
      throw new RangeError(`item ${item} has no evaluation ${position}`);
    return index;
  }

  private locate(item: number): [PackedEvaluations, number] {
    if (item < 0 || item >= this.itemCount)
      throw new RangeError(`no item ${item} among ${this.itemCount}`);
    let part = this.parts.length - 1;
    while (this.firstItems[part] > item) part -= 1;
    return [this.parts[part], item - this.firstItems[part]];
  }
}

function digestAt(part: PackedEvaluations, index: number): string | undefined {
  if (!(part.flags[index] & Flag.HasDigest)) return undefined;
  const start = index > 0 ? part.digestEnds[index - 1] : 0;
  return part.digests.slice(start, part.digestEnds[index]);
}
