'use strict';

/**
 * A light client in a process of its own (the backend's event loop is what it measures, so it
 * must not share it): one GET at a time, `intervalMs` after each response, until a line arrives
 * on stdin. Latency is from sending the request until the whole body is read.
 *
 *   node bench/engine/probeClient.js '<json>'
 *   json: { baseUrl, headers, path, intervalMs, warmup }
 * Prints { requests, errors, non2xx, p50, p95, p99, maxMs, meanMs, durationSec } as JSON; the
 * first `warmup` responses (connection set-up, caches filled) are not counted.
 */

const { percentile } = require('./lib');

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

async function main() {
  const {
    baseUrl,
    headers = {},
    path,
    intervalMs = 25,
    warmup = 3,
  } = JSON.parse(process.argv[2]);
  let stopping = false;
  process.stdin.on('data', () => {
    stopping = true;
  });
  process.stdin.on('end', () => {
    stopping = true;
  });
  const latencies = [];
  // BENCH_PROBE_SERIES=<folder>: every latency with its start (epoch ms, to line up with the
  // backend's BENCH_ELD_SERIES), to see when slow requests happen; not part of the results.
  const seriesFolder = process.env.BENCH_PROBE_SERIES;
  const series = seriesFolder ? [] : undefined;
  let errors = 0;
  let non2xx = 0;
  let sent = 0;
  const started = performance.now();
  while (!stopping) {
    const t = performance.now();
    let ok = true;
    try {
      const res = await fetch(`${baseUrl}${path}`, { headers });
      await res.arrayBuffer();
      if (!res.ok) non2xx += 1;
    } catch {
      ok = false;
      errors += 1;
    }
    sent += 1;
    if (ok && sent > warmup) {
      latencies.push(performance.now() - t);
      series?.push([Math.round(performance.timeOrigin + t), latencies.at(-1)]);
    }
    await sleep(intervalMs);
  }
  if (series) {
    const fs = require('node:fs');
    fs.mkdirSync(seriesFolder, { recursive: true });
    fs.writeFileSync(
      require('node:path').join(seriesFolder, `probe-${Date.now()}.json`),
      JSON.stringify(series),
    );
  }
  const meanMs =
    latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
  process.stdout.write(
    JSON.stringify({
      path,
      intervalMs,
      requests: latencies.length,
      errors,
      non2xx,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      maxMs: latencies.length ? Math.max(...latencies) : NaN,
      meanMs,
      durationSec: (performance.now() - started) / 1000,
    }),
  );
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
