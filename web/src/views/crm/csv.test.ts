// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { decodeCsv, detectDelimiter, parseCsv, writeCsv } from './csv';

describe('csv', () => {
  it('reads quotes, doubled quotes, line breaks in cells, CRLF, and skips empty lines', () => {
    const text = 'name,notes\r\n"Müller, Anna","said ""hi""\nthen left"\r\n\r\nBob,\n';
    expect(parseCsv(text)).toEqual([
      ['name', 'notes'],
      ['Müller, Anna', 'said "hi"\nthen left'],
      ['Bob', ''],
    ]);
  });
  it('finds the separator of the first line (German Excel writes semicolons)', () => {
    expect(detectDelimiter('Vorname;Nachname;"E-Mail, privat"\nA;B;c')).toBe(';');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
    expect(detectDelimiter('one column')).toBe(',');
    expect(parseCsv('Vorname;Nachname\nAnna;Müller')).toEqual([['Vorname', 'Nachname'], ['Anna', 'Müller']]);
  });
  it('decodes UTF-8 without its BOM, and Windows-1252 when the bytes are not UTF-8', () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('name\nMüller')]);
    expect(decodeCsv(bom)).toBe('name\nMüller');
    expect(decodeCsv(new Uint8Array([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72]))).toBe('Müller');
  });
  it('writes quoted cells where needed and knows the line each row starts on', () => {
    const { text, startLines } = writeCsv([['a', 'b'], ['x, y', 'two\r\nlines'], ['say "hi"', '']]);
    expect(text).toBe('a,b\n"x, y","two\nlines"\n"say ""hi""",\n');
    expect(startLines).toEqual([1, 2, 4]);
    expect(parseCsv(text)).toEqual([['a', 'b'], ['x, y', 'two\nlines'], ['say "hi"', '']]);
  });
});
