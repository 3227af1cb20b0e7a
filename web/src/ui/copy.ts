// Copying a value the person must paste elsewhere (a secret shown once, an
// address to register at an identity provider). Where the clipboard is
// refused (an insecure origin, a browser's no), the value is selected in
// `fallback` instead, for a copy with the keyboard.

/** Whether it reached the clipboard; when not, `fallback`'s text is selected. */
export async function copyText(text: string, fallback: Element | null | undefined): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (fallback) {
      const range = document.createRange();
      range.selectNodeContents(fallback);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
    }
    return false;
  }
}
