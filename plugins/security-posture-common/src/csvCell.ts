/**
 * Cells a spreadsheet may evaluate as a formula (or a DDE call such as `=cmd|' /C calc'!A0`),
 * after the OWASP CSV Injection guidance:
 * - a cell starting with a control character: tab, CR, LF, NUL (OWASP, ASVS 1.2.10) and the rest
 *   of C0/C1;
 * - a cell whose first character after any whitespace, control or format characters (spaces,
 *   newlines, no-break and ideographic spaces, a byte-order mark, zero-width and bidi marks;
 *   spreadsheets and their import dialogs may trim these) is `=`, `+`, `-`, `@`, or a character
 *   that is one of those in Unicode's compatibility form (NFKC), which spreadsheets in East Asian
 *   locales may accept too: full-width `＝＋－＠` (U+FF1D, U+FF0B, U+FF0D, U+FF20), small
 *   `﹦﹢﹣﹫` (U+FE66, U+FE62, U+FE63, U+FE6B), super- and subscript `⁼⁺₌₊`, Hebrew `﬩`, and
 *   `⩵`/`⩶` (NFKC `==`/`===`).
 * Negative numbers (`-2`) are neutralised as well: they stay readable, as text (`'-2`).
 *
 * Linear time: anchored, and the repeated class is disjoint from the class after it.
 */
const FORMULA_TRIGGER =
  /^(?:\p{Cc}|[\s\p{Cf}]*[=+\-@\u207A\u207C\u208A\u208C\u2A75\u2A76\uFB29\uFE62\uFE63\uFE66\uFE6B\uFF0B\uFF0D\uFF1D\uFF20])/u;

/** Whether a spreadsheet might evaluate the cell, see `FORMULA_TRIGGER`. */
export function isFormulaLike(value: string): boolean {
  return FORMULA_TRIGGER.test(value);
}

/**
 * Neutralises spreadsheet formula injection by prefixing a single quote to risky cells (the
 * cell then reads as text, the quote itself not shown by Excel), see `FORMULA_TRIGGER`.
 */
export function neutralizeCell(value: string): string {
  return FORMULA_TRIGGER.test(value) ? `'${value}` : value;
}
