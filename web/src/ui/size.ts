// A number of bytes in words: "812 B", "5.7 KB", "2.3 MB", "1.5 GB" (with
// the person's decimal mark). Binary steps (1 KB = 1024 B), as the server
// counts its limits.
import type { I18n } from '../i18n';

const oneDecimal = (n: number) => Math.round(n * 10) / 10;
const KB = 1024;
const MB = KB * 1024;
const GB = MB * 1024;

export function fileSize(bytes: number, i18n: I18n): string {
  if (bytes < KB) return i18n.t('size.b', { n: i18n.number(bytes) });
  if (bytes < MB) return i18n.t('size.kb', { n: i18n.number(oneDecimal(bytes / KB)) });
  if (bytes < GB) return i18n.t('size.mb', { n: i18n.number(oneDecimal(bytes / MB)) });
  return i18n.t('size.gb', { n: i18n.number(oneDecimal(bytes / GB)) });
}
