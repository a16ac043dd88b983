import { CsvDownload } from '../api';

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `2026-11-29` in the user's time zone: the day the user downloaded the file. */
export function localDateStamp(date: Date = new Date()): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(
    date.getDate(),
  )}`;
}

/**
 * Inserts the date before the extension: `security-posture-report.csv` becomes
 * `security-posture-report-2026-11-29.csv`, so repeated exports do not overwrite each other.
 */
export function datedFilename(
  filename: string,
  date: Date = new Date(),
): string {
  const stamp = localDateStamp(date);
  const dot = filename.lastIndexOf('.');
  const base = dot > 0 ? filename.slice(0, dot) : filename;
  const extension = dot > 0 ? filename.slice(dot) : '.csv';
  return base.endsWith(stamp)
    ? `${base}${extension}`
    : `${base}-${stamp}${extension}`;
}

/** Hands a fetched file to the browser as a download. */
export function saveDownload({ blob, filename }: CsvDownload): void {
  const url = window.URL.createObjectURL(blob);
  try {
    const anchor = document.createElement('a');
    anchor.href = url;
    anchor.download = filename;
    anchor.rel = 'noopener';
    anchor.style.display = 'none';
    document.body.appendChild(anchor);
    anchor.click();
    anchor.remove();
  } finally {
    // Give the browser a moment to start the download before revoking.
    setTimeout(() => window.URL.revokeObjectURL(url), 1000);
  }
}
