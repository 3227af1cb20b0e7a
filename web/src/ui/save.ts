// Saves a file the app fetched itself (with the bearer token, which a
// plain link could not send): an object URL behind a link with
// `download`, clicked once. The URL is let go a little later: some
// browsers read it only after the click has returned.
export function saveFile(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
