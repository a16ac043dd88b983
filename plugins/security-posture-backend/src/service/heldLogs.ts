import { LoggerService } from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';
import { FindingFactory } from '@security-posture/checks';

/** Logs through the plugin logger with every secret seen so far in the scan masked. */
export function scrubbingLogger(
  logger: LoggerService,
  factory: FindingFactory,
): LoggerService {
  const wrap =
    (level: 'error' | 'warn' | 'info' | 'debug') =>
    (message: string, meta?: Error | JsonObject) => {
      const scrubbed =
        meta instanceof Error
          ? { error: factory.scrub(meta.message) }
          : meta &&
            Object.fromEntries(
              Object.entries(meta).map(([k, v]) => [
                k,
                typeof v === 'string' ? factory.scrub(v) : v,
              ]),
            );
      logger[level](factory.scrub(message), scrubbed as JsonObject | undefined);
    };
  return {
    error: wrap('error'),
    warn: wrap('warn'),
    info: wrap('info'),
    debug: wrap('debug'),
    child: meta =>
      scrubbingLogger(
        logger.child(
          Object.fromEntries(
            Object.entries(meta).map(([k, v]) => [
              k,
              typeof v === 'string' ? factory.scrub(v) : v,
            ]),
          ),
        ),
        factory,
      ),
  };
}

// Lines a check may log while it runs before the rest are dropped (they are held in memory).
const MAX_HELD_LOG_LINES = 1000;

type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/**
 * Holds a check's own log lines until its results went through the factory, so a secret that a
 * check logs while finding it is masked there as in its findings. After `release()` (e.g. a
 * check that outlived its timeout) lines are written at once, scrubbed of the secrets known then.
 */
export class HeldLogs {
  private held: Array<() => void> | undefined = [];
  private dropped = 0;

  /** `target` is resolved when a line is written, so child loggers scrub their metadata late. */
  logger(target: () => LoggerService): LoggerService {
    const hold =
      (level: LogLevel) => (message: string, meta?: Error | JsonObject) => {
        const write = () => target()[level](message, meta);
        if (!this.held) write();
        else if (this.held.length < MAX_HELD_LOG_LINES) this.held.push(write);
        else this.dropped += 1;
      };
    return {
      error: hold('error'),
      warn: hold('warn'),
      info: hold('info'),
      debug: hold('debug'),
      child: meta => this.logger(() => target().child(meta)),
    };
  }

  /** Writes the held lines; with `release`, later lines are no longer held. */
  flush(options: { release?: boolean; via: LoggerService }) {
    const held = this.held ?? [];
    this.held = options.release ? undefined : [];
    for (const write of held) write();
    if (this.dropped) {
      options.via.warn(`${this.dropped} log lines of the check were dropped`);
      this.dropped = 0;
    }
  }
}

