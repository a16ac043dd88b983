import { CsvDownload } from '../api';

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
