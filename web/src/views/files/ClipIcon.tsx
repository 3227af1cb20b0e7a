// A paper clip drawn in the text colour, for the eye only: beside a file's
// name (the words say "attachment" where it matters).
export function ClipIcon() {
  return (
    <svg className="clip-icon" viewBox="0 0 16 16" width="1em" height="1em" aria-hidden="true" focusable="false">
      <path fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" strokeLinejoin="round"
        d="M10.5 4.5 5.3 9.7a1.3 1.3 0 0 0 1.8 1.8l5.5-5.5a2.6 2.6 0 0 0-3.7-3.7L3.4 7.8a3.9 3.9 0 0 0 5.5 5.5l4.6-4.6" />
    </svg>
  );
}
