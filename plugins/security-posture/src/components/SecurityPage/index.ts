export { SecurityPage } from './SecurityPage';
export type { SecurityPageProps } from './SecurityPage';
