export { FindingDetails, EvidenceList, evidenceText } from './FindingDetails';
