import { gzipSync } from 'node:zlib';

export const EOF_MARK = 'LVSPLAY_EOF';

/**
 * `text` gzipped and base64'd, ending with the here-document's mark. Compressed, since a shell reads a
 * here-document slowly: a 2,000-service rules file is 1.2 MB as base64 and 60 kB gzipped, and `sh` on a
 * small VM spent 0.36 s just reading the former.
 */
export function packed(text: string): string {
  return `${gzipSync(text)
    .toString('base64')
    .replace(/.{1,76}/g, '$&\n')}${EOF_MARK}`;
}
