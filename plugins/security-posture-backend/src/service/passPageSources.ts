import { Entity } from '@backstage/catalog-model';
import {
  CatalogPageRequest,
  EvaluationSession,
  HeldCatalogPage,
} from '@security-posture/checks';

/**
 * One cursor-paged stream of the whole catalog, read by the evaluation workers: each page is read
 * and held by a worker (they take turns), which answers with what the pass plans with. As with
 * the main thread's own stream, the next page is asked for as soon as a page arrives, so the
 * catalog serves it while the pass plans the current one. A page read ahead of a pass that
 * stopped is let go.
 */
export async function* heldCatalogPages<T>(options: {
  session: EvaluationSession;
  pageRequests: (cursor?: string) => Promise<CatalogPageRequest>;
  checkIds: string[];
  incremental: boolean;
  toReadPage: (page: HeldCatalogPage) => T;
}): AsyncIterable<{ totalItems: number; read(): T }> {
  const { session, pageRequests, checkIds, incremental } = options;
  const read = (cursor?: string) => {
    const pending = pageRequests(cursor).then(request =>
      session.readPage(request, { checkIds, incremental }),
    );
    // Rejections surface when the page is awaited, not as an unhandled rejection meanwhile.
    pending.catch(() => {});
    return pending;
  };
  let next: Promise<HeldCatalogPage> | undefined = read();
  try {
    while (next) {
      const page: HeldCatalogPage = await next;
      next = page.nextCursor ? read(page.nextCursor) : undefined;
      yield {
        totalItems: page.totalItems,
        read: () => options.toReadPage(page),
      };
    }
  } finally {
    next?.then(
      page => page.release(),
      () => {},
    );
  }
}

/** Catalog pages the main thread read and parsed itself, to be read into the pass. */
export async function* entityPages<T>(
  pages: AsyncIterable<{ items: Entity[]; totalItems: number }>,
  toReadPage: (items: Entity[]) => T,
): AsyncIterable<{ totalItems: number; read(): T }> {
  for await (const page of pages) {
    yield { totalItems: page.totalItems, read: () => toReadPage(page.items) };
  }
}
