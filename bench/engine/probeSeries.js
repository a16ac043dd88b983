'use strict';

/**
 * When the slow `/summary` requests of a responsiveness run happened, and whether the event loop
 * was blocked then. Reads what `BENCH_PROBE_SERIES=<folder>` (one file per probe: idle, during the
 * bare stream, during each scan) and `BENCH_ELD_SERIES=<file>` (the backend's event-loop delay,
 * every 100 ms) wrote; diagnostics, not part of the results.
 *
 *   node bench/engine/probeSeries.js --series <folder> [--eld <file>] [--slow-ms 24]
 */

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs, percentile } = require('./lib');

function main() {
  const args = parseArgs(process.argv.slice(2));
  const folder = args.series;
  const eldFile = args.eld;
  if (typeof folder !== 'string')
    throw new Error('usage: probeSeries.js --series <folder> [--eld <file>] [--slow-ms 24]');
  const slowMs = Number(args['slow-ms'] ?? 24);
  const eld = eldFile ? JSON.parse(fs.readFileSync(eldFile, 'utf8')) : [];
  for (const file of fs.readdirSync(folder).sort()) {
    const series = JSON.parse(fs.readFileSync(path.join(folder, file), 'utf8'));
    if (!series.length) continue;
    const start = series[0][0];
    const latencies = series.map(([, ms]) => ms);
    const seconds = Math.ceil((series.at(-1)[0] - start) / 1000) + 1;
    const slowPerSecond = new Array(seconds).fill(0);
    let slowWithBlockedLoop = 0;
    for (const [at, ms] of series) {
      if (ms <= slowMs) continue;
      slowPerSecond[Math.floor((at - start) / 1000)] += 1;
      // Blocked: some 100 ms window during the request saw the event loop delayed > 10 ms.
      const blocked = eld.some(
        ([t, maxMs]) => t >= at && t <= at + ms + 100 && maxMs > 10,
      );
      if (blocked) slowWithBlockedLoop += 1;
    }
    const slow = slowPerSecond.reduce((a, b) => a + b, 0);
    console.log(
      `${file}: ${latencies.length} requests over ${seconds - 1} s, p50 ${percentile(
        latencies,
        50,
      ).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms; ${slow} slower than ${slowMs} ms (${(
        (100 * slow) /
        latencies.length
      ).toFixed(1)} %${eld.length ? `, ${slowWithBlockedLoop} with the event loop blocked` : ''}), per second: ${slowPerSecond.join(' ')}`,
    );
  }
}

main();
