export { ExemptionDialog, expiryBounds, utcDate } from './ExemptionDialog';
export { ExemptButton } from './ExemptButton';
