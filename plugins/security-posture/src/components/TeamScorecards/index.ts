export { MyTeamsCard, TeamScorecardsView } from './TeamScorecardsView';
export { TeamScorecardsTable } from './TeamScorecardsTable';
