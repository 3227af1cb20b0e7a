// A sentence for the page a person is sent to next ("Erased: 1 contact,
// 2 tickets…" on the contacts list after an erasure). Kept per address,
// read while the page mounts and forgotten once shown, so it is said once.

const notices = new Map<string, string>();

/** Leaves `text` for the page at `path` (a pathname). */
export function leaveNotice(path: string, text: string) {
  notices.set(path, text);
}

/** The notice waiting for `path`, without taking it (React may render twice). */
export function peekNotice(path: string): string | null {
  return notices.get(path) ?? null;
}

/** Forgets the notice for `path` (it was shown). */
export function takeNotice(path: string) {
  notices.delete(path);
}
