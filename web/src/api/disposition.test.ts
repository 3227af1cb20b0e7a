// @vitest-environment node
import { expect, it } from 'vitest';
import { dispositionFilename } from './disposition';

it('takes the quoted or bare file name the server suggests', () => {
  expect(dispositionFilename('attachment; filename="personal-data-c1-2026-12-06.zip"')).toBe('personal-data-c1-2026-12-06.zip');
  expect(dispositionFilename('attachment; filename=export.zip')).toBe('export.zip');
  expect(dispositionFilename('attachment; filename="say \\"hi\\".zip"')).toBe('say "hi".zip');
});

it('prefers the UTF-8 name (filename*) and falls back when it is broken', () => {
  expect(dispositionFilename(`attachment; filename="Muller.zip"; filename*=UTF-8''M%C3%BCller.zip`)).toBe('Müller.zip');
  expect(dispositionFilename(`attachment; filename="Muller.zip"; filename*=UTF-8''M%ZZ.zip`)).toBe('Muller.zip');
});

it('keeps only the last path segment, and nothing when there is no name', () => {
  expect(dispositionFilename('attachment; filename="../../etc/passwd"')).toBe('passwd');
  expect(dispositionFilename('attachment; filename="C:\\\\temp\\\\x.zip"')).toBe('x.zip');
  expect(dispositionFilename('attachment; filename=".."')).toBeNull();
  expect(dispositionFilename('attachment')).toBeNull();
  expect(dispositionFilename(null)).toBeNull();
});
