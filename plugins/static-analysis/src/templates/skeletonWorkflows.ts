import { CI_FILE } from './stepEffects';

/** A file of a template's skeleton folder, as `fetch:template` would render it. */
export interface SkeletonFile {
  /** Path inside the skeleton, with `/` separators. */
  path: string;
  text: string;
}

/** Which `values.<name>` of a `fetch:template` step end up in `run:` lines of CI files. */
export type CiTemplateValues = Record<string, Record<string, string>>;

const RUN_KEY =
  /^(\s*)(?:-\s+)?(?:run|script|before_script|after_script|sh|command)\s*:\s?(.*)$/;
const VALUE_REF = /\$\{\{\s*values\.([A-Za-z_$][\w$]{0,100})/g;
const MAX_FILE = 256 * 1024;
const MAX_LINES = 5000;

/** Leading spaces of a line. */
function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && line[i] === ' ') i++;
  return i;
}

/**
 * The template values a CI file of the skeleton interpolates into shell: `${{ values.x }}` on
 * a `run:`/`script:` line or inside its block. Line-based and linear in the file.
 */
export function ciValuesOfSkeleton(
  files: SkeletonFile[],
): Record<string, string> {
  const found: Record<string, string> = {};
  for (const file of files) {
    const path = file.path.replace(/^\.\//, '');
    if (!CI_FILE.test(path) || file.text.length > MAX_FILE) continue;
    const lines = file.text.split('\n').slice(0, MAX_LINES);
    let blockIndent = -1;
    for (const line of lines) {
      const indent = indentOf(line);
      let inShell = false;
      if (blockIndent >= 0 && (line.trim() === '' || indent > blockIndent)) {
        inShell = true;
      } else {
        blockIndent = -1;
        const match = RUN_KEY.exec(line);
        if (match) {
          inShell = true;
          // `run: |` (or `>`) opens a block: the more indented lines below are shell too.
          if (/^[|>][-+]?\s*$/.test(match[2].trim()) || match[2].trim() === '')
            blockIndent = indent;
        }
      }
      if (!inShell) continue;
      for (const ref of line.matchAll(VALUE_REF)) found[ref[1]] ??= path;
    }
  }
  return found;
}
