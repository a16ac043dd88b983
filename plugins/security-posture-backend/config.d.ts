import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';
import { HumanDuration } from '@backstage/types';

export interface Config {
  /** Configuration of the security-posture backend plugin. */
  securityPosture?: {
    /**
     * When scans run. Defaults to every 6 hours, 30 minute timeout, first run 15 s after start.
     * The schedule runs in the global scope (one replica per period queues a scan); `timeout` is
     * the longest a scan may run before it is stopped and fails. With several replicas, one scan
     * runs at a time across them (see `scans.heartbeat`).
     */
    schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    /**
     * How long scan history (per-scan summaries for trends), finished scans and resolved
     * findings are kept. Defaults to 90 days.
     */
    retention?: HumanDuration | string;
    /**
     * Key of the HMAC that fingerprints detected secrets, so the same leak is tracked across
     * scans without storing it. When unset, a random key is generated once and kept in the
     * plugin's database. Changing it changes every secret finding's fingerprint.
     * @visibility secret
     */
    fingerprintKey?: string;
    /** Scan starts. */
    scans?: {
      /**
       * Least time between two manual scan starts (`POST /scans`, by users or services); a start
       * within it is refused with 429 and `Retry-After`, and audited. Scheduled scans are exempt;
       * a start while a scan waits to run still answers with that scan. Default 60 seconds;
       * 0 turns the limit off.
       * @visibility backend
       */
      cooldown?: HumanDuration | string;
      /**
       * How often a running scan renews its lease in the database, and how often every replica
       * looks for queued scans and for scans whose replica stopped. Default 10 seconds.
       * @visibility backend
       */
      heartbeat?: HumanDuration | string;
      /**
       * A running scan whose lease was not renewed for this long is closed as failed
       * ("interrupted": its replica was killed or lost the database), and the next scan may start
       * on any replica. At least three heartbeats. Default 1 minute.
       * @visibility backend
       */
      staleAfter?: HumanDuration | string;
      /**
       * Incremental rescans: a scan evaluates only catalog entities that changed (content hash)
       * or whose checks changed (version, options, severity override, declared inputs) since
       * they were last evaluated; the findings of the others stand as written. A full pass that
       * evaluates every entity runs when the last complete one is older than this: the safety
       * net for what no hash sees (e.g. an entity check changed without a version bump).
       * Default 1 day; 0 makes every scan a full pass.
       * @visibility backend
       */
      fullPassEvery?: HumanDuration | string;
      /**
       * Worker threads that evaluate entity checks during the catalog pass, so the backend's
       * event loop keeps serving requests while it streams the catalog and writes findings.
       * Default: the number of CPUs minus one, at least 1. 0 evaluates on the main thread.
       * Checks from other modules run in the workers only when they declare a `workerModule`.
       * @visibility backend
       */
      evaluationWorkers?: number;
      /**
       * CPU niceness (0-19) of the evaluation worker threads. On Linux, where the nice value is
       * per thread, the workers then take the cores only when the event loop (which answers the
       * portal's requests) and the database leave them idle, so a scan barely slows requests
       * down on a busy machine; elsewhere it has no effect. Default 10; 0 runs them at the
       * backend's own priority.
       * @visibility backend
       */
      evaluationWorkerNiceness?: number;
      /**
       * Incremental catalog passes (which evaluate few entities and so wait on the catalog)
       * read the catalog in this many parts at once (entity kinds split by how many entities
       * they have), so the catalog works on one part's page while the scan waits for another's.
       * Full passes read one stream: they wait on evaluation. Default 3; 1: always one stream.
       * @visibility backend
       */
      concurrentCatalogReads?: number;
      /**
       * Scans read the catalog uncompressed, with their own catalog client and the plugin's
       * credentials: the catalog usually runs in the same backend or cluster, where compressing
       * every page of a whole-catalog read costs more CPU than the bytes save. true: read through
       * the catalog service (compressed; and any custom catalog service the backend installs).
       * @visibility backend
       */
      compressCatalogReads?: boolean;
      /**
       * Full catalog passes whose entity checks all run in evaluation workers have the workers
       * read the catalog pages too (over HTTP, with a plugin token from the scan): the event
       * loop then never parses or holds the entities, which keeps requests answered and memory
       * flat during a scan. false: the main thread reads every page and hands entities to the
       * workers, e.g. where the backend reaches the catalog through an HTTP agent or proxy set
       * up in its main thread only (workers use Node's own `fetch`). Not used when
       * `compressCatalogReads` is true. Default true.
       * @visibility backend
       */
      workersReadCatalog?: boolean;
    };
    /** Exemptions (accepted risks, false positives, risks mitigated elsewhere). */
    exemptions?: {
      /**
       * The longest an exemption may last: its expiry (required for accepted risks, optional
       * otherwise) must be within this long of its creation. Default 365 days. The frontend reads
       * it to bound the expiry date picker.
       * @visibility frontend
       */
      maxDuration?: HumanDuration | string;
    };
    /**
     * Live detections over Backstage auditor events (needs `securityPostureAuditorServiceFactory`
     * in the backend). Rules and defaults: docs/detections.md.
     */
    detections?: {
      /** Set false to stop evaluating events (the auditor still logs them). Default true. */
      enabled?: boolean;
      /** IANA time zone of the business hours, e.g. `Europe/Berlin`. Default UTC. */
      timeZone?: string;
      /** Business hours: template runs outside them are reported. */
      businessHours?: {
        /** `HH:mm`, default `07:00`. */
        start?: string;
        /** `HH:mm`, exclusive, default `19:00`. */
        end?: string;
        /** ISO weekdays with business hours (1 = Monday … 7 = Sunday). Default 1-5. */
        weekdays?: number[];
      };
      /**
       * Groups whose members may run templates. Default `group:default/platform-engineers`,
       * `group:default/developers`.
       */
      scaffolderAllowedGroups?: string[];
      /** The platform team: the only users expected to change the catalog. */
      platformGroups?: string[];
      /**
       * Per-rule overrides by rule id (`scaffolder-outside-business-hours`,
       * `scaffolder-outside-allowed-groups`, `catalog-read-reconnaissance`,
       * `catalog-mutation-by-non-platform`, `auth-failures-above-baseline`).
       */
      rules?: {
        [ruleId: string]: {
          enabled?: boolean;
          severity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
          /** A hit needs more than this many events in the window. */
          threshold?: number;
          window?: HumanDuration | string;
        };
      };
      /** How often queued events are evaluated. Default 2 seconds. */
      flushInterval?: HumanDuration | string;
      /** Windows not updated for this long are deleted. Default 2 days. */
      windowRetention?: HumanDuration | string;
      /** The most windows kept (oldest deleted first). Default 100000. */
      maxWindows?: number;
      /** Detection findings last seen longer ago are resolved. Default 30 days. */
      findingRetention?: HumanDuration | string;
    };
    /** Defaults for every check. */
    checkDefaults?: {
      /** How long one check may run before it is stopped with an `error` outcome. Default 2 minutes. */
      timeout?: HumanDuration | string;
    };
    /**
     * Per-check overrides, keyed by the check id's category and name:
     * `checks.<category>.<name>` for check `<category>/<name>`.
     */
    checks?: {
      /** The plugins checks; their shared options live under `plugins.inventory.options`. */
      plugins?: {
        inventory?: {
          enabled?: boolean;
          severity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
          timeout?: HumanDuration | string;
          /** Shared by every `plugins/*` check (docs/checks/plugins.md lists them all). */
          options?: {
            /** Live advisory sources, asked about every installed package version. */
            advisorySources?: {
              /** OSV (`POST /v1/querybatch`, no credentials). */
              osv?: {
                /**
                 * On by default. Set false where the backend cannot reach OSV (air-gapped
                 * deployments): advisories then come from the bundled dataset alone, whose age is
                 * reported. An OSV that is on but unreachable makes the scan partial.
                 * @visibility backend
                 */
                enabled?: boolean;
                /**
                 * OSV API base URL; default `https://api.osv.dev` (an internal mirror of the OSV
                 * API works the same way).
                 * @visibility backend
                 */
                baseUrl?: string;
                /**
                 * Requests under way at once, 1 to 16; default 4.
                 * @visibility backend
                 */
                concurrency?: number;
                /**
                 * Distinct vulnerability records read per scan; default 2000.
                 * @visibility backend
                 */
                maxVulnerabilities?: number;
              };
              /** The registry's bulk advisory endpoint (what `npm audit` uses); off by default. */
              npm?: {
                /** @visibility backend */
                enabled?: boolean;
              };
              /** GitHub's global advisory API; off by default. */
              github?: {
                /** @visibility backend */
                enabled?: boolean;
                /** @visibility backend */
                baseUrl?: string;
                /**
                 * Raises GitHub's rate limit; sent only as a header to `baseUrl`'s origin.
                 * @visibility secret
                 */
                token?: string;
              };
            };
            [key: string]: unknown;
          };
        };
        // `| undefined` (here and below): the schema compiler treats the optional named keys
        // above as possibly undefined, which an index signature must then allow.
        [name: string]:
          | {
              enabled?: boolean;
              severity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
              timeout?: HumanDuration | string;
              options?: { [key: string]: unknown };
            }
          | undefined;
      };
      /** The runtime checks (docs/checks/runtime.md). */
      runtime?: {
        'credential-inventory'?: {
          enabled?: boolean;
          severity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
          timeout?: HumanDuration | string;
          /** Also read by `runtime/blast-radius`. */
          options?: {
            /**
             * The config files the backend loads, in load order, relative to `rootDir`: where
             * each credential comes from (`${ENV}`, `$file`, a literal) is read from them.
             * Default: the process's `--config` arguments, else `app-config.yaml` and
             * `app-config.local.yaml` of the repository root.
             * @visibility backend
             */
            configFiles?: string[];
            /**
             * Repository root; default the closest folder upwards with `backstage.json`.
             * @visibility backend
             */
            rootDir?: string;
          };
        };
        egress?: {
          enabled?: boolean;
          severity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
          timeout?: HumanDuration | string;
          options?: {
            /**
             * Opt-in: the URL the egress probe sends one bodiless `HEAD` request to (no
             * credentials, no redirects). Without it the check is not applicable.
             * @visibility backend
             */
            canaryUrl?: string;
            /**
             * How long the probe waits for an answer, in ms; default 3000, at most 10000.
             * @visibility backend
             */
            timeoutMs?: number;
          };
        };
        [name: string]:
          | {
              enabled?: boolean;
              severity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
              timeout?: HumanDuration | string;
              options?: { [key: string]: unknown };
            }
          | undefined;
      };
      [category: string]:
        | {
            [name: string]:
              | {
                  /** Set false to skip the check. */
                  enabled?: boolean;
                  /** Replaces the check's default severity. */
                  severity?: 'critical' | 'high' | 'medium' | 'low' | 'info';
                  /** Replaces `checkDefaults.timeout` for this check. */
                  timeout?: HumanDuration | string;
                  /** Check-specific options, documented with each check. */
                  options?: { [key: string]: unknown };
                }
              | undefined;
          }
        | undefined;
    };
  };
}
