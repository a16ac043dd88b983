export { ExemptionsView, EXEMPTION_FILTERS, EXPIRING_SOON_DAYS } from './ExemptionsView';
