export { ExposureChip, exposureLabel } from './ExposureChip';
