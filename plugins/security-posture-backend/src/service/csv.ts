import { stringify } from 'csv-stringify';
import { Readable } from 'node:stream';
import {
  Finding,
  isFormulaLike,
  neutralizeCell,
  SeverityCounts,
} from '@security-posture/plugin-security-posture-common';

// Cell neutralisation is shared with the CLI's CSV output.
export { isFormulaLike, neutralizeCell } from '@security-posture/plugin-security-posture-common';

/** Options of the CSV exports. */
export interface CsvOptions {
  /**
   * Writes a UTF-8 byte-order mark (U+FEFF, bytes EF BB BF) first, so that Excel reads the file
   * as UTF-8 (without it Excel assumes the system's legacy code page and garbles non-ASCII text).
   * Default false: other tools may take the mark for part of the first column's name.
   */
  bom?: boolean;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export const FINDING_CSV_COLUMNS = [
  'severity',
  'category',
  'checkId',
  'status',
  'outcome',
  'title',
  'message',
  'entityRef',
  'entityKind',
  'owners',
  'target',
  'location',
  'evidence',
  'remediation',
  'docsUrl',
  'firstSeenAt',
  'lastSeenAt',
  'resolvedAt',
  'fingerprint',
  // The exemption that covers the finding (state active) or last did (state expired).
  'exemptionState',
  'exemptionKind',
  'exemptionReason',
  'exemptionCreatedBy',
  'exemptionCreatedAt',
  'exemptionExpiresAt',
  'exemptionTicket',
] as const;

function evidenceText(finding: Finding): string {
  return Object.entries(finding.evidence)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
    .join('; ');
}

function targetText(finding: Finding): string {
  const { target } = finding;
  switch (target.type) {
    case 'entity':
    case 'template':
      return target.entityRef;
    case 'config':
      return `config:${target.path}`;
    case 'package':
      return `package:${target.name}${target.version ? `@${target.version}` : ''}`;
    default:
      return 'deployment';
  }
}

type FindingColumn = (typeof FINDING_CSV_COLUMNS)[number];

/** How each column's cell is read from a finding, before neutralisation and quoting. */
const FINDING_CELLS: Record<FindingColumn, (finding: Finding) => string> = {
  severity: f => f.severity,
  category: f => f.category,
  checkId: f => f.checkId,
  status: f => f.status,
  outcome: f => f.outcome,
  title: f => f.title,
  message: f => f.message,
  entityRef: f => f.entityRef ?? '',
  entityKind: f => f.entityKind ?? '',
  owners: f => f.owners.join(' '),
  target: targetText,
  location: f => f.location ?? '',
  evidence: evidenceText,
  remediation: f => f.remediation,
  docsUrl: f => f.docsUrl ?? '',
  firstSeenAt: f => f.firstSeenAt,
  lastSeenAt: f => f.lastSeenAt,
  resolvedAt: f => f.resolvedAt ?? '',
  fingerprint: f => f.fingerprint,
  // User input: neutralised like every other cell.
  exemptionState: f => f.exemption?.state ?? '',
  exemptionKind: f => f.exemption?.kind ?? '',
  exemptionReason: f => f.exemption?.reason ?? '',
  exemptionCreatedBy: f => f.exemption?.createdBy ?? '',
  exemptionCreatedAt: f => f.exemption?.createdAt ?? '',
  exemptionExpiresAt: f => f.exemption?.expiresAt ?? '',
  exemptionTicket: f => f.exemption?.ticket ?? '',
};
const FINDING_CELLS_IN_ORDER = FINDING_CSV_COLUMNS.map(column => FINDING_CELLS[column]);

/** The cells of a finding in the export, before neutralisation and quoting. */
export function findingRow(finding: Finding): Record<FindingColumn, string> {
  return Object.fromEntries(
    FINDING_CSV_COLUMNS.map(column => [column, FINDING_CELLS[column](finding)]),
  ) as Record<FindingColumn, string>;
}

// Cells csv-stringify quotes with our options: its `quoted_match` (any whitespace, a comma or
// a quote) covers everything it would quote anyway (delimiter, quote, \n, \r).
const NEEDS_QUOTES = /[\s,"]/;

function csvStringifier(columns: readonly string[], options: CsvOptions) {
  return stringify({
    bom: options.bom ?? false,
    header: true,
    columns: [...columns],
    quoted_match: NEEDS_QUOTES,
    cast: { string: neutralizeCell },
  });
}

const COMMA = 0x2c;
const NEWLINE = 0x0a;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
// Bytes handed to the consumer at a time: few writes for gzip and the socket.
const CHUNK_BYTES = 64 * 1024;

/**
 * Writes CSV cells exactly as `csvStringifier` does (neutralised, then quoted if needed) as UTF-8
 * straight into fixed-size buffers, so a row makes no strings of its own (no per-row line, no
 * concatenation to flatten): the allocation per row is little more than the row's cells.
 */
class CsvChunkWriter {
  private buffer = Buffer.alloc(CHUNK_BYTES);
  private used = 0;

  /** `emit` receives each full chunk. */
  constructor(private readonly emit: (chunk: Buffer) => void) {}

  cell(value: string, first: boolean) {
    if (!first) this.byte(COMMA);
    const quoted = NEEDS_QUOTES.test(value); // a leading ' never changes this
    if (quoted) this.byte(DOUBLE_QUOTE);
    if (isFormulaLike(value)) this.byte(SINGLE_QUOTE);
    this.text(quoted && value.includes('"') ? value.replace(/"/g, '""') : value);
    if (quoted) this.byte(DOUBLE_QUOTE);
  }

  endRow() {
    this.byte(NEWLINE);
  }

  /** Raw bytes, e.g. a byte-order mark. */
  bytes(value: Buffer) {
    for (const b of value) this.byte(b);
  }

  /** Hands over what is buffered. */
  flush() {
    if (this.used === 0) return;
    const chunk = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.alloc(CHUNK_BYTES);
    this.used = 0;
    this.emit(chunk);
  }

  private byte(value: number) {
    if (this.used === this.buffer.length) this.flush();
    this.buffer[this.used++] = value;
  }

  private text(value: string) {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; only near the end is the exact size needed.
    if (value.length * 3 > this.buffer.length - this.used) {
      const bytes = Buffer.byteLength(value);
      if (bytes > this.buffer.length - this.used) {
        this.flush();
        if (bytes > this.buffer.length) {
          this.emit(Buffer.from(value));
          return;
        }
      }
    }
    this.used += this.buffer.write(value, this.used);
  }
}

/**
 * Findings as CSV (the bytes `csvStringifier` would write), one page at a time, with
 * back-pressure: the next page is only asked for when the consumer has read the previous one.
 *
 * Each page is written out as soon as it arrives, in one synchronous step, into a few 64 KiB
 * buffers (outside the JS heap), so the page's objects are garbage right away. Written row by
 * row into a csv-stringify stream, a page of 1,000 findings lived as long as the network took to
 * drain it, and every row made several short-lived strings and chunks: pages outlived
 * young-generation collections and were promoted, the old generation filled with garbage until
 * a full collection (+60 to +90 MB of peak RSS per 100k-row export in bench/csv, +150 to +300 MB
 * in a full backend, whose larger heap lets V8 wait longer).
 */
class FindingsCsvStream extends Readable {
  private readonly pages: AsyncIterator<Finding[]>;
  private readonly writer = new CsvChunkWriter(chunk => this.push(chunk));
  private pumping = false;
  private finished = false;

  constructor(pages: AsyncIterable<Finding[]>, options: CsvOptions) {
    super();
    this.pages = pages[Symbol.asyncIterator]();
    if (options.bom) this.writer.bytes(UTF8_BOM);
    FINDING_CSV_COLUMNS.forEach((column, i) => this.writer.cell(column, i === 0));
    this.writer.endRow();
  }

  _read() {
    if (!this.pumping && !this.finished) void this.pump();
  }

  _destroy(error: Error | null, callback: (error?: Error | null) => void) {
    // Closes the page source (e.g. a disconnected download); a pending page is awaited first.
    if (!this.finished) {
      this.finished = true;
      Promise.resolve(this.pages.return?.()).catch(() => {});
    }
    callback(error);
  }

  private async pump() {
    this.pumping = true;
    try {
      // Pages until the consumer has enough buffered. (Not push()'s answer: a read that arrives
      // while this runs is ignored by _read, so the buffer's level at the end is what counts.)
      do {
        await this.pullPage();
      } while (
        !this.finished &&
        !this.destroyed &&
        this.readableLength < this.readableHighWaterMark
      );
    } catch (e) {
      this.finished = true;
      this.destroy(e as Error);
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Writes the next page (or ends the stream). The page is only referenced from this call's
   * frame, which is gone once it returns (a loop variable of `pump` would keep it alive while
   * the next page is fetched).
   */
  private async pullPage(): Promise<void> {
    const next = await this.pages.next();
    if (this.destroyed) return;
    if (next.done) {
      this.finished = true;
      this.writer.flush();
      this.push(null);
      return;
    }
    for (const finding of next.value) {
      if (this.destroyed) return;
      for (let i = 0; i < FINDING_CELLS_IN_ORDER.length; i++) {
        this.writer.cell(FINDING_CELLS_IN_ORDER[i](finding), i === 0);
      }
      this.writer.endRow();
    }
    // Whatever the page left over goes out now, not only once a later page fills the chunk.
    this.writer.flush();
  }
}

/** Streams findings as CSV, one page at a time, with back-pressure. */
export function findingsCsv(
  pages: AsyncIterable<Finding[]>,
  options: CsvOptions = {},
): Readable {
  const stream = new FindingsCsvStream(pages, options);
  // Start on the first page right away, while the response headers go out.
  stream.read(0);
  return stream;
}

/** CSV for callers who may see only counts of an entity's findings. */
export function countsCsv(
  entityRef: string,
  counts: SeverityCounts,
  options: CsvOptions = {},
): Readable {
  const stringifier = csvStringifier(['entityRef', 'severity', 'openFindings'], options);
  for (const [severity, count] of Object.entries(counts)) {
    stringifier.write({ entityRef, severity, openFindings: String(count) });
  }
  stringifier.end();
  return stringifier;
}

/** Any table as CSV, with the same cell neutralisation as the findings export. */
export function rowsCsv(
  columns: readonly string[],
  rows: Array<Record<string, string>>,
  options: CsvOptions = {},
): Readable {
  const stringifier = csvStringifier(columns, options);
  (async () => {
    for (const row of rows) {
      if (!stringifier.write(row)) {
        await new Promise(resolve => stringifier.once('drain', resolve));
      }
    }
    stringifier.end();
  })().catch(e => stringifier.destroy(e));
  return stringifier;
}
