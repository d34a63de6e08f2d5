/**
 * CSV as RFC 4180 writes it: a header row, CRLF after every record, fields quoted when they hold
 * a comma, a quote, CR or LF, quotes doubled inside.
 *
 * Spreadsheets run a cell that starts with = + - @ (or a tab or CR) as a formula: a customer
 * named `=HYPERLINK(…)` must not become a link in a supervisor's Excel. Such text cells get a
 * leading `'`, which spreadsheets show as plain text (OWASP's advice). Numbers are written as
 * numbers (-3 stays -3): only strings can carry a formula.
 */
export type CsvCell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field as written: null and undefined are empty, strings defused and quoted as needed. */
export function csvField(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The header row from `columns`, then one record per row, each line ending in CRLF. */
export function toCsv<Row extends Record<string, CsvCell>>(columns: readonly (keyof Row & string)[], rows: readonly Row[]): string {
  const lines = [columns.map(csvField).join(','), ...rows.map((row) => columns.map((c) => csvField(row[c])).join(','))];
  return lines.map((l) => `${l}\r\n`).join('');
}
