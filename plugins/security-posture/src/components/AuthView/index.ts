export { AuthView } from './AuthView';
