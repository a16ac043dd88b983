export { RuntimeView } from './RuntimeView';
