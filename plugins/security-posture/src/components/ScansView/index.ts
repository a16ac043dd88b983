export { ScansView } from './ScansView';
