'use strict';

/**
 * Bulk-loads synthetic findings straight into the plugin's tables (security_posture_findings, with
 * the shared security_posture_finding_texts and security_posture_owner_sets) through the plugin's
 * own knex client. Scans produce findings
 * far too slowly to reach 1M in a benchmark (a catalog that yields 1M findings would need ~100k
 * entities to be ingested first), so rows are written in the exact shape DatabasePostureStore
 * writes them (same columns, JSON encodings, lower-cased refs, severity_rank).
 */

const crypto = require('node:crypto');
const { createRandom } = require('../generate/random');

const SEVERITY_RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

const CHECKS = [
  {
    id: 'catalog/leaked-secret',
    category: 'catalog',
    title: 'Leaked aws-access-key-id',
    weight: 6,
  },
  {
    id: 'catalog/sensitive-annotation',
    category: 'catalog',
    title: 'Sensitive value in annotation',
    weight: 18,
  },
  {
    id: 'catalog/missing-owner',
    category: 'catalog',
    title: 'Entity has no resolvable owner',
    weight: 14,
  },
  {
    id: 'catalog/internal-url-exposed',
    category: 'catalog',
    title: 'Internal URL in a public field',
    weight: 16,
  },
  {
    id: 'templates/unrestricted-fetch-url',
    category: 'templates',
    title: 'fetch:plain reads a user-supplied URL',
    weight: 8,
  },
  {
    id: 'templates/parameter-path-delete',
    category: 'templates',
    title: 'fs:delete with a parameter path',
    weight: 4,
  },
  {
    id: 'templates/secret-logged',
    category: 'templates',
    title: 'A secret reaches debug:log',
    weight: 3,
  },
  {
    id: 'templates/repo-url-any-host',
    category: 'templates',
    title: 'RepoUrlPicker allows any host',
    weight: 9,
  },
  {
    id: 'plugins/vulnerable-dependency',
    category: 'plugins',
    title: 'Dependency with a known advisory',
    weight: 12,
  },
  {
    id: 'plugins/outdated-backstage-package',
    category: 'plugins',
    title: 'Backstage package behind the release',
    weight: 6,
  },
  {
    id: 'permissions/entity-readable-by-all',
    category: 'permissions',
    title: 'Entity readable by every user',
    weight: 4,
  },
];
const SEVERITIES = { critical: 3, high: 15, medium: 35, low: 32, info: 15 };
const REMEDIATION =
  'Rotate the credential now (it has been readable by every catalog user), remove it from the entity source file and its git history, and reference the secret by path instead.';
const DOCS_URL = 'https://backstage.io/docs/features/software-catalog/descriptor-format';

const sha256 = text => crypto.createHash('sha256').update(text).digest('hex');
// As the store keys them (findingTexts.ts, ownerSets.ts).
const TEXTS_KEY = sha256(JSON.stringify([REMEDIATION, DOCS_URL]));
const ownersKey = owner => sha256(JSON.stringify([owner]));

/**
 * Row generator: `count` findings starting at `startIndex`. `entityRefs` are real catalog refs;
 * synthetic refs are added so that an entity has ~8 findings on average (like a large catalog
 * would); `openShare` of the findings are open.
 */
function* findingRows(options) {
  const {
    count,
    entityRefs,
    owners,
    seed = 7,
    startIndex = 0,
    openShare = 0.85,
    poolSize,
  } = options;
  const rand = createRandom(seed + startIndex);
  const pool =
    poolSize ??
    Math.max(entityRefs.length, Math.ceil((startIndex + count) / 8));
  const checkWeights = Object.fromEntries(CHECKS.map((c, i) => [i, c.weight]));
  const now = new Date().toISOString();
  for (let i = startIndex; i < startIndex + count; i++) {
    const check = CHECKS[Number(rand.weighted(checkWeights))];
    const severity = rand.weighted(SEVERITIES);
    const slot = Math.floor(rand.next() * pool);
    const entityRef = rand.chance(0.001)
      ? null
      : slot < entityRefs.length
      ? entityRefs[slot]
      : `component:default/synthetic-${slot}`;
    const owner = owners[slot % owners.length];
    const open = rand.chance(openShare);
    const fingerprint = crypto
      .createHash('sha256')
      .update(`bench-finding:${i}`)
      .digest('hex');
    const field = `metadata.annotations["acme.io/key-${i % 7}"]`;
    yield {
      row: {
        fingerprint,
        check_id: check.id,
        category: check.category,
        severity,
        severity_rank: SEVERITY_RANK[severity],
        outcome: 'fail',
        status: open ? 'open' : 'resolved',
        title: check.title,
        message: `${field} of ${entityRef ?? 'the deployment'} matched ${
          check.id
        }`,
        target_type: entityRef ? 'entity' : 'deployment',
        target: JSON.stringify(
          entityRef ? { type: 'entity', entityRef } : { type: 'deployment' },
        ),
        location: `${field}#${check.id.split('/')[1]}`,
        entity_ref: entityRef,
        entity_kind: entityRef ? entityRef.split(':')[0] : null,
        owners: JSON.stringify(entityRef ? [owner] : []),
        evidence: JSON.stringify({
          field,
          classification: 'secret',
          secretKind: 'aws-access-key-id',
          secretMask: 'AKIA…(20 chars)',
          secretFingerprint: fingerprint.slice(0, 16),
        }),
        owners_key: entityRef ? ownersKey(owner) : null,
        remediation: '',
        docs_url: null,
        texts_key: TEXTS_KEY,
        first_seen_at: now,
        last_seen_at: now,
        resolved_at: open ? null : now,
        last_scan_id: 'bench-bulk-load',
      },
    };
  }
}

const COLUMNS = [
  'fingerprint',
  'check_id',
  'category',
  'severity',
  'severity_rank',
  'outcome',
  'status',
  'title',
  'message',
  'target_type',
  'target',
  'location',
  'entity_ref',
  'entity_kind',
  'owners',
  'owners_key',
  'evidence',
  'remediation',
  'docs_url',
  'texts_key',
  'first_seen_at',
  'last_seen_at',
  'resolved_at',
  'last_scan_id',
];

/** SQLite: one prepared statement on the raw better-sqlite3 connection, 50k rows a transaction. */
async function insertSqlite(knex, rows) {
  const connection = await knex.client.acquireConnection();
  try {
    const insertFinding = connection.prepare(
      `insert into security_posture_findings (${COLUMNS.join(
        ', ',
      )}) values (${COLUMNS.map(c => `@${c}`).join(', ')})`,
    );
    let written = 0;
    let batch = [];
    const flush = connection.transaction(items => {
      for (const { row } of items) insertFinding.run(row);
    });
    for (const item of rows) {
      batch.push(item);
      if (batch.length === 50_000) {
        flush(batch);
        written += batch.length;
        batch = [];
        await new Promise(resolve => setImmediate(resolve)); // let the server breathe
      }
    }
    flush(batch);
    return written + batch.length;
  } finally {
    await knex.client.releaseConnection(connection);
  }
}

/** PostgreSQL: 5,000 rows a statement through unnest() of one array parameter per column. */
async function insertPostgres(knex, rows) {
  // The raw pg client: knex would expand array bindings into parameter lists.
  const connection = await knex.client.acquireConnection();
  const findingsSql = `insert into security_posture_findings (${COLUMNS.join(
    ', ',
  )}) select * from unnest(${COLUMNS.map(
    (c, i) => `$${i + 1}::${c === 'severity_rank' ? 'int' : 'text'}[]`,
  ).join(', ')})`;
  let written = 0;
  const flush = async items => {
    if (!items.length) return;
    await connection.query(
      findingsSql,
      COLUMNS.map(c => items.map(({ row }) => row[c])),
    );
    written += items.length;
  };
  try {
    let batch = [];
    for (const item of rows) {
      batch.push(item);
      if (batch.length === 5000) {
        await flush(batch);
        batch = [];
      }
    }
    await flush(batch);
    return written;
  } finally {
    await knex.client.releaseConnection(connection);
  }
}

/** Writes `count` findings (see `findingRows` for the options); returns how many were written. */
async function insertFindings(knex, options) {
  await knex('security_posture_finding_texts')
    .insert({ texts_key: TEXTS_KEY, remediation: REMEDIATION, docs_url: DOCS_URL })
    .onConflict('texts_key')
    .ignore();
  for (const owner of new Set(options.owners)) {
    await knex('security_posture_owner_sets')
      .insert({ owners_key: ownersKey(owner), owner_ref: owner })
      .onConflict(['owners_key', 'owner_ref'])
      .ignore();
  }
  const rows = findingRows(options);
  return knex.client.config.client === 'pg'
    ? insertPostgres(knex, rows)
    : insertSqlite(knex, rows);
}

module.exports = { insertFindings, CHECKS };
