import { datedFilename, localDateStamp, saveDownload } from './download';

describe('download helpers', () => {
  const day = new Date(2026, 10, 9, 23, 30); // 9 November 2026, local time

  it('stamps the local date', () => {
    expect(localDateStamp(day)).toBe('2026-11-09');
  });

  it('inserts the date before the extension', () => {
    expect(datedFilename('security-posture-report.csv', day)).toBe(
      'security-posture-report-2026-11-09.csv',
    );
    expect(
      datedFilename('security-posture-component_default_payments-api.csv', day),
    ).toBe('security-posture-component_default_payments-api-2026-11-09.csv');
    expect(datedFilename('report', day)).toBe('report-2026-11-09.csv');
  });

  it('does not stamp twice', () => {
    expect(datedFilename('report-2026-11-09.csv', day)).toBe(
      'report-2026-11-09.csv',
    );
  });

  it('clicks a temporary link with the file name and revokes the URL later', () => {
    jest.useFakeTimers();
    const createObjectURL = jest.fn(() => 'blob:csv');
    const revokeObjectURL = jest.fn();
    Object.assign(window.URL, { createObjectURL, revokeObjectURL });
    const clicked: string[] = [];
    const click = jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(function record(this: HTMLAnchorElement) {
        clicked.push(`${this.download} ${this.href}`);
      });

    const blob = new Blob(['a,b\n']);
    saveDownload({ blob, filename: 'x-2026-11-09.csv' });

    expect(createObjectURL).toHaveBeenCalledWith(blob);
    expect(clicked).toEqual(['x-2026-11-09.csv blob:csv']);
    expect(document.querySelector('a[download]')).toBeNull();
    expect(revokeObjectURL).not.toHaveBeenCalled();
    jest.runAllTimers();
    expect(revokeObjectURL).toHaveBeenCalledWith('blob:csv');
    click.mockRestore();
    jest.useRealTimers();
  });
});
