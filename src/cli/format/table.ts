// Go's text/tabwriter (elastic tabstops) as Podman configures it in
// containers/common report: NewWriter(out, minwidth 12, tabwidth 2, padding 2,
// padchar ' ', flags 0). With a space padchar, tabwidth never matters.
//
// Every tab-terminated cell belongs to a column; the text after a line's last
// tab does not, and is printed as is. A column block is a run of consecutive
// lines that all have a cell in that column; its width is the widest cell plus
// padding (at least minwidth), and blocks nest column by column.

export type TabOptions = { minwidth?: number; padding?: number; padchar?: string };

/** Display width as Go counts it: one per code point. */
const width = (s: string) => [...s].length;

/**
 * Aligns tab-separated cells. Each input string is one line (embedded '\n'
 * also splits lines); every output line ends with '\n'.
 */
export function tabulate(lines: readonly string[], opts: TabOptions = {}): string {
  const { minwidth = 12, padding = 2, padchar = ' ' } = opts;
  const rows = lines.flatMap((l) => l.split('\n')).map((l) => l.split('\t'));
  const widths = rows.map((r) => new Array<number>(r.length - 1).fill(0));

  // Mirrors Go's Writer.format: find the blocks of column `col` within lines
  // [from, to), size each one, then recurse into the next column of that block.
  const format = (col: number, from: number, to: number): void => {
    for (let i = from; i < to;) {
      if (col >= rows[i].length - 1) { i++; continue; }
      let end = i, w = minwidth;
      for (; end < to && col < rows[end].length - 1; end++) w = Math.max(w, width(rows[end][col]) + padding);
      for (let r = i; r < end; r++) widths[r][col] = w;
      format(col + 1, i, end);
      i = end;
    }
  };
  format(0, 0, rows.length);

  return rows.map((r, i) => r.map((c, j) => (j < r.length - 1 ? c + padchar.repeat(widths[i][j] - width(c)) : c)).join('') + '\n').join('');
}
