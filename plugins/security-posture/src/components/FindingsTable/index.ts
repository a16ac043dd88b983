export { FindingsTable } from './FindingsTable';
export type { FindingsTableProps } from './FindingsTable';
export { FindingsFilters } from './FindingsFilters';
