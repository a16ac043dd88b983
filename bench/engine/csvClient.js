'use strict';

/**
 * Downloads a CSV export in a process of its own and counts its records (newlines outside
 * quoted cells), so the client's work is not part of the backend's time or memory.
 *
 *   node bench/engine/csvClient.js '<json>'   json: { url, headers }
 * fetch asks for gzip like a browser does (Backstage compresses responses), unless the headers
 * say `Accept-Encoding: identity`; records are counted in the decompressed text.
 * Prints { status, records, bytes, ms } as JSON.
 */

async function main() {
  const { url, headers } = JSON.parse(process.argv[2]);
  const started = performance.now();
  const response = await fetch(url, { headers });
  let records = 0;
  let bytes = 0;
  let inQuotes = false;
  for await (const chunk of response.body) {
    bytes += chunk.length;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === 0x22) inQuotes = !inQuotes;
      else if (c === 0x0a && !inQuotes) records += 1;
    }
  }
  const ms = performance.now() - started;
  // The header line is not a record.
  process.stdout.write(
    JSON.stringify({
      status: response.status,
      records: records - 1,
      bytes,
      ms,
    }),
  );
}

main().catch(error => {
  process.stderr.write(
    `${error.stack ?? error}\n${error.cause ? String(error.cause) : ''}\n`,
  );
  process.exit(1);
});
