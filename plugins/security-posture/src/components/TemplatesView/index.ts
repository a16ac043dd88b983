export { TemplatesView } from './TemplatesView';
