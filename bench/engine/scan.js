'use strict';

/**
 * Full scan vs the floor: a bare paged stream of the same entities from the same catalog.
 *
 * - Baseline: `catalog.queryEntities` pages of 500 (what the plugin's CatalogEntitySource asks
 *   for) with the plugin's own service credentials, through the catalog service client (HTTP on
 *   loopback), entities dropped as they arrive.
 * - Scan: `POST /api/security-posture/scans`, timed from the scan record's startedAt until the
 *   scan's summary is saved (the queue wait before the scheduler picks the task up is reported
 *   apart). That is everything the plugin does: deployment checks, the paged catalog pass with
 *   every entity check, masking, writing findings, resolving, scoring and saving the summary.
 *
 * Both run in the backend process; they alternate, so drift (other load on the machine) hits
 * both alike. Peak RSS is the kernel's high-water mark over each run, minus the RSS before it.
 */

const { measure, median, log, sleep } = require('./lib');

const PAGE_SIZE = 500;

async function streamBaseline(hooks) {
  const credentials = await hooks.auth.getOwnServiceCredentials();
  let cursor;
  let count = 0;
  do {
    const response = await hooks.catalog.queryEntities(
      cursor ? { cursor, limit: PAGE_SIZE } : { limit: PAGE_SIZE },
      { credentials },
    );
    count += response.items.length;
    cursor = response.pageInfo.nextCursor;
  } while (cursor);
  return count;
}

const TERMINAL = new Set(['succeeded', 'partial', 'failed']);

/**
 * Starts a scan and waits until it is completely done. The scan record turns `succeeded` before
 * the service resolves retired checks, scores and saves the summary, so the end is when the
 * summary of this scan appears in /history (polled every 100 ms; same clock as `startedAt`).
 */
async function runScan(backend) {
  const requested = Date.now();
  const { id } = await backend.postJson('/api/security-posture/scans');
  let scan;
  for (;;) {
    scan = await backend.getJson(`/api/security-posture/scans/${id}`);
    if (TERMINAL.has(scan.status)) break;
    await sleep(100);
  }
  if (scan.status !== 'failed') {
    for (;;) {
      const { items } = await backend.getJson(
        '/api/security-posture/history?limit=1',
      );
      if (items[items.length - 1]?.scanId === id) break;
      await sleep(100);
    }
  }
  const done = Date.now();
  const started = Date.parse(scan.startedAt);
  return {
    scan,
    scanMs: done - started,
    // What the scan record says (ends before scoring and the summary are saved).
    recordedMs: Date.parse(scan.finishedAt) - started,
    queueMs: started - requested,
  };
}

function summarizeChecks(scan) {
  return (scan.checkRuns ?? []).map(run => ({
    checkId: run.checkId,
    outcome: run.outcome,
    durationMs: run.durationMs,
    findings: run.findingCount,
    errors: run.errorCount,
  }));
}

/**
 * Runs `rounds` alternating (baseline, scan) pairs after one warm-up of each, and returns the
 * medians and ratios.
 */
async function measureScan({ backend, expected, rounds = 3 }) {
  const { hooks } = backend;
  log('scan: warm-up stream and first scan');
  const warmStream = await measure(() => streamBaseline(hooks));
  if (warmStream.value < expected) {
    throw new Error(
      `catalog stream returned ${warmStream.value} of ${expected} entities`,
    );
  }
  const firstScan = await measure(() => runScan(backend));
  const streams = [];
  const scans = [];
  for (let i = 0; i < rounds; i++) {
    const stream = await measure(() => streamBaseline(hooks));
    const scan = await measure(() => runScan(backend));
    streams.push(stream);
    scans.push(scan);
    log(
      `scan: round ${i + 1}/${rounds}: stream ${Math.round(
        stream.wallMs,
      )} ms, scan ${scan.value.scanMs} ms (${scan.value.scan.status})`,
    );
  }
  const last = scans[scans.length - 1].value.scan;
  const streamMs = median(streams.map(s => s.wallMs));
  const scanMs = median(scans.map(s => s.value.scanMs));
  const streamRss = median(streams.map(s => s.peakRssGrowthMb));
  const scanRss = median(scans.map(s => s.peakRssGrowthMb));
  return {
    entities: warmStream.value,
    rounds,
    baseline: {
      what: `bare paged catalog stream (queryEntities, ${PAGE_SIZE} per page, service credentials)`,
      medianMs: streamMs,
      entitiesPerSecond: warmStream.value / (streamMs / 1000),
      peakRssGrowthMb: streamRss,
      peakHeapGrowthMb: median(streams.map(s => s.peakHeapGrowthMb)),
      retainedHeapMb: median(streams.map(s => s.retainedHeapMb ?? NaN)),
      runsMs: streams.map(s => s.wallMs),
    },
    scan: {
      what: 'POST /scans, from startedAt of the scan record until its summary is saved',
      medianMs: scanMs,
      firstScanMs: firstScan.value.scanMs,
      firstScanPeakRssGrowthMb: firstScan.peakRssGrowthMb,
      medianQueueMs: median(scans.map(s => s.value.queueMs)),
      medianRecordedMs: median(scans.map(s => s.value.recordedMs)),
      peakRssGrowthMb: scanRss,
      peakHeapGrowthMb: median(scans.map(s => s.peakHeapGrowthMb)),
      retainedHeapMb: median(scans.map(s => s.retainedHeapMb ?? NaN)),
      runsMs: scans.map(s => s.value.scanMs),
      status: last.status,
      message: last.message,
      checks: summarizeChecks(last),
    },
    ratio: {
      wallTime: scanMs / streamMs,
      peakRssGrowth: streamRss > 0 ? scanRss / streamRss : null,
    },
    rssBeforeMb: scans[0].rssBeforeMb,
  };
}

module.exports = { measureScan, streamBaseline, runScan };
