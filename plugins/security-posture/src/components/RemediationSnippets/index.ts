export { RemediationSnippets } from './RemediationSnippets';
