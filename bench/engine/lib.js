'use strict';

/** Small helpers shared by the engine measurements: memory, statistics, arguments. */

const fs = require('node:fs');

const KB = 1024;
const MB = 1024 * 1024;

function procStatus(field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
    fs.readFileSync('/proc/self/status', 'utf8'),
  );
  return match ? Number(match[1]) * KB : undefined;
}

/**
 * Peak resident set size of this process since the last `resetPeakRss()` (Linux VmHWM), so a
 * short allocation spike between two samples is not missed.
 */
const peakRss = () => procStatus('VmHWM') ?? process.memoryUsage().rss;

/** Resets VmHWM to the current RSS (Linux: writing 5 to /proc/self/clear_refs). */
function resetPeakRss() {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a /proc stat file, in ms (fields 14 and 15, after the command's parentheses). */
function procCpuMs(file) {
  const fields = fs.readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU time so far (Linux; undefined elsewhere): this process (every thread: event loop,
 * evaluation workers, garbage collector, libuv), its main thread (the event loop) alone, and
 * every `postgres` process of the machine (the bench's own database server). Wall time on a
 * shared machine moves with its load; the CPU an operation costs moves much less.
 */
function cpuSnapshot() {
  try {
    const usage = process.cpuUsage();
    let postgresMs = 0;
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres')
          postgresMs += procCpuMs(`/proc/${pid}/stat`);
      } catch {
        // Gone meanwhile.
      }
    }
    return {
      processMs: (usage.user + usage.system) / 1000,
      mainThreadMs: procCpuMs(`/proc/self/task/${process.pid}/stat`),
      postgresMs,
    };
  } catch {
    return undefined;
  }
}

function cpuSince(before) {
  const after = before && cpuSnapshot();
  if (!after) return undefined;
  return {
    processMs: after.processMs - before.processMs,
    mainThreadMs: after.mainThreadMs - before.mainThreadMs,
    // Processes that ended meanwhile take their time with them: at least 0.
    postgresMs: Math.max(0, after.postgresMs - before.postgresMs),
  };
}

/**
 * Measures one operation: wall time, CPU time (`cpuSnapshot`), and peak RSS / heap growth over the RSS / heap just before
 * it. The heap is sampled every 25 ms (V8 gives no peak); RSS uses the kernel's high-water mark.
 * With --expose-gc, garbage is collected before (so growth starts from live data) and after
 * (to tell garbage the operation left behind from memory it kept). `onStart` runs after the
 * first collection and `onEnd` before the second (also when `fn` fails): what observes the
 * operation from outside, e.g. a latency probe, must not also time the bench's forced
 * collections, full pauses of the backend's event loop that no scan causes.
 */
async function measure(fn, { onStart, onEnd } = {}) {
  if (global.gc) global.gc();
  if (onStart) await onStart();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const peakResetWorked = resetPeakRss();
  let heapPeak = heapBefore;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 25);
  const cpuBefore = cpuSnapshot();
  const started = performance.now();
  let value;
  let wallMs;
  let cpu;
  try {
    value = await fn();
  } finally {
    clearInterval(sampler);
    wallMs = performance.now() - started;
    cpu = cpuSince(cpuBefore);
    if (onEnd) await onEnd();
  }
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  const rssPeak = peakResetWorked ? peakRss() : process.memoryUsage().rss;
  // With --expose-gc: what the operation left on the heap once garbage is collected.
  let retainedHeapMb;
  if (global.gc) {
    global.gc();
    retainedHeapMb = (process.memoryUsage().heapUsed - heapBefore) / MB;
  }
  return {
    value,
    wallMs,
    rssBeforeMb: rssBefore / MB,
    peakRssMb: rssPeak / MB,
    peakRssGrowthMb: Math.max(0, rssPeak - rssBefore) / MB,
    peakHeapGrowthMb: Math.max(0, heapPeak - heapBefore) / MB,
    retainedHeapMb,
    cpu,
  };
}

function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(
    sorted.length - 1,
    Math.max(0, Math.ceil((p / 100) * sorted.length) - 1),
  );
  return sorted[index];
}

const median = values => percentile(values, 50);

/** Rounds to `digits` decimals, keeping 3 significant digits for small values (ratios like 0.004). */
function round(value, digits = 2) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value === 0)
    return value;
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(digits, 2 - magnitude);
  const f = 10 ** Math.min(decimals, 12);
  return Math.round(value * f) / f;
}

/** Rounds every number of a JSON-like value (for readable result files). */
function roundAll(value, digits = 2) {
  if (typeof value === 'number') return round(value, digits);
  if (Array.isArray(value)) return value.map(v => roundAll(v, digits));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, roundAll(v, digits)]),
    );
  }
  return value;
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) continue;
    if (m[2] !== undefined) args[m[1]] = m[2];
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--'))
      args[m[1]] = argv[++i];
    else args[m[1]] = true;
  }
  return args;
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** Logs progress to stderr (stdout is kept for results). */
function log(...parts) {
  process.stderr.write(
    `[bench ${new Date().toISOString().slice(11, 19)}] ${parts.join(' ')}\n`,
  );
}

/**
 * The cheapest paged read of the findings table (the CSV export's floor): primary-key pages with
 * no other condition, open rows counted in JS; no CSV, no HTTP. Returns the open row count.
 */
async function rawKeysetRead(knex, pageSize = 1000) {
  let after = '';
  let rows = 0;
  for (;;) {
    const page = await knex('security_posture_findings')
      .where('fingerprint', '>', after)
      .orderBy('fingerprint', 'asc')
      .limit(pageSize);
    for (const row of page) if (row.status === 'open') rows += 1;
    if (page.length < pageSize) return rows;
    after = page[page.length - 1].fingerprint;
  }
}

module.exports = {
  MB,
  rawKeysetRead,
  measure,
  peakRss,
  resetPeakRss,
  percentile,
  median,
  round,
  roundAll,
  parseArgs,
  sleep,
  log,
};
