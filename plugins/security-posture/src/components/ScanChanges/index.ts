export { ScanChangesCard, NoChangesNote } from './ScanChangesCard';
export { ScanChangeList, changeCountsText, changeLabel } from './ScanChangeList';
