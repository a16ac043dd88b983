export { lastPageOf, PagedTableFooter } from './PagedTableFooter';
export type { PagedTableFooterProps } from './PagedTableFooter';
