export { SourceLinks, sourceLinks } from './SourceLinks';
