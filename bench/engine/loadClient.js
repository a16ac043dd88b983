'use strict';

/**
 * HTTP load in a process of its own (so the client does not share the backend's event loop),
 * driven by autocannon. Every response time is recorded (autocannon's `response` event) to get
 * exact p50/p95/p99; autocannon's own histogram has no p95.
 *
 *   node bench/engine/loadClient.js '<json>'
 *   json: { baseUrl, headers, paths: string[], connections, amount, timeoutSec }
 * Prints { requests, errors, non2xx, timeouts, p50, p95, p99, meanMs, maxMs, rps } as JSON
 * (with `raw: true` also every latency, to merge several blocks).
 */

const autocannon = require('autocannon');

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(
      sorted.length - 1,
      Math.max(0, Math.ceil((p / 100) * sorted.length) - 1),
    )
  ];
}

async function main() {
  const options = JSON.parse(process.argv[2]);
  const {
    baseUrl,
    headers = {},
    paths,
    connections = 1,
    amount,
    timeoutSec = 60,
    raw,
  } = options;
  let next = 0;
  const latencies = [];
  let non2xx = 0;
  const instance = autocannon({
    url: baseUrl,
    connections,
    amount,
    timeout: timeoutSec,
    headers,
    // Rotates through the paths so every request asks for something different.
    requests: [
      {
        method: 'GET',
        setupRequest: request => {
          const path = paths[next % paths.length];
          next += 1;
          return { ...request, path };
        },
      },
    ],
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime);
    if (statusCode < 200 || statusCode >= 300) non2xx += 1;
  });
  // A few distinct error messages, so failed requests can be explained.
  const errorSamples = new Set();
  instance.on('reqError', error => {
    if (errorSamples.size < 3)
      errorSamples.add(String(error?.code ?? error?.message ?? error));
  });
  const result = await instance;
  const meanMs =
    latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
  process.stdout.write(
    JSON.stringify({
      requests: latencies.length,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      meanMs,
      maxMs: Math.max(...latencies),
      rps: latencies.length / (result.duration || 1),
      durationSec: result.duration,
      errorSamples: [...errorSamples],
      ...(raw && { latencies }),
    }),
  );
}

main().catch(error => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
