// Reading and writing CSV in the browser, for the import dialog: the file
// is read here so the person sees its first rows and maps its columns, and
// is written again with the field names the server takes (src/records/
// csv_io.rs reads a comma-separated UTF-8 file whose first row names the
// fields). Reading accepts what spreadsheets write: a byte-order mark,
// semicolons (German Excel) or tabs, CRLF, quoted cells with commas,
// quotes and line breaks, and Windows-1252 where the bytes are not UTF-8.

export type Delimiter = ',' | ';' | '\t';

/** The text of a file: UTF-8 if it is valid UTF-8, else Windows-1252; no BOM. */
export function decodeCsv(bytes: ArrayBuffer | Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('windows-1252').decode(bytes);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The separator of the first line: whichever of `,` `;` tab occurs most outside quotes. */
export function detectDelimiter(text: string): Delimiter {
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && c in counts) counts[c as Delimiter] += 1;
  }
  const best = (Object.keys(counts) as Delimiter[]).reduce((a, b) => (counts[b] > counts[a] ? b : a), ',');
  return counts[best] > 0 ? best : ',';
}

/**
 * The records of `text` (RFC 4180, with `delimiter`). Empty lines are
 * skipped, as the server's reader does.
 */
export function parseCsv(text: string, delimiter: Delimiter = detectDelimiter(text)): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let started = false; // anything on this line yet (an empty line is no record)
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  const endRow = () => {
    if (started) {
      endCell();
      rows.push(row);
    }
    row = [];
    cell = '';
    started = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
      continue;
    }
    if (c === '"' && cell === '') {
      quoted = true;
      started = true;
    } else if (c === delimiter) {
      started = true;
      endCell();
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else {
      started = true;
      cell += c;
    }
  }
  endRow();
  return rows;
}

function quote(raw: string): string {
  // One kind of line break inside a cell, so lines count the same here and
  // on the server.
  const cell = raw.replace(/\r\n?/g, '\n');
  return /[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/**
 * Comma-separated text of `rows`, and the line each row starts on (1 for
 * the first): cells with line breaks span lines, and the server names a
 * bad row by its line.
 */
export function writeCsv(rows: string[][]): { text: string; startLines: number[] } {
  const startLines: number[] = [];
  const out: string[] = [];
  let line = 1;
  for (const r of rows) {
    startLines.push(line);
    const text = r.map(quote).join(',');
    out.push(text);
    line += 1 + (text.match(/\n/g)?.length ?? 0);
  }
  return { text: out.join('\n') + '\n', startLines };
}
