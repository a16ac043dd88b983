export { NoScanYet, NotPublishedYet } from './StateViews';
