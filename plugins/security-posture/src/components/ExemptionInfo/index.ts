export { ExemptionInfo } from './ExemptionInfo';
