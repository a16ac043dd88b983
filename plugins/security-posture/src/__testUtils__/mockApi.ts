import { SecurityPostureApi } from '../api';

/** A SecurityPostureApi whose every method is a jest mock that rejects until set up. */
export function createMockSecurityPostureApi(): jest.Mocked<SecurityPostureApi> {
  const notMocked = (name: string): jest.Mock =>
    jest
      .fn()
      .mockRejectedValue(new Error(`${name} was not expected to be called`));
  return {
    getSummary: notMocked('getSummary'),
    getFindings: notMocked('getFindings'),
    getFindingGroups: notMocked('getFindingGroups'),
    getFinding: notMocked('getFinding'),
    getEntityFindings: notMocked('getEntityFindings'),
    requestScan: notMocked('requestScan'),
    getScan: notMocked('getScan'),
    listScans: notMocked('listScans'),
    getScanChanges: notMocked('getScanChanges'),
    getChangesSince: notMocked('getChangesSince'),
    getHistory: notMocked('getHistory'),
    getScorecards: notMocked('getScorecards'),
    downloadScorecardsCsv: notMocked('downloadScorecardsCsv'),
    listChecks: notMocked('listChecks'),
    listExemptions: notMocked('listExemptions'),
    createExemption: notMocked('createExemption'),
    revokeExemption: notMocked('revokeExemption'),
    getCheckData: notMocked('getCheckData'),
    exportCsvUrl: notMocked('exportCsvUrl'),
    entityCsvUrl: notMocked('entityCsvUrl'),
    downloadFindingsCsv: notMocked('downloadFindingsCsv'),
    downloadEntityFindingsCsv: notMocked('downloadEntityFindingsCsv'),
  } as jest.Mocked<SecurityPostureApi>;
}
