// Where files come in: a button that opens the file chooser (several at
// once), and the whole area around it as a drop target for files dragged
// from the desktop, which lights up while they hover. Text dragged over it
// is left alone (a reply box still takes a dropped selection).
import { useState, type DragEvent, type ReactNode } from 'react';

const carriesFiles = (e: DragEvent) => [...e.dataTransfer.types].includes('Files');

interface Props {
  onFiles(files: File[]): void;
  /** The button's words ("Attach files"); also the file input's label. */
  label: string;
  /** Beside the button: what may be dropped, the size limit. */
  hint?: string;
  disabled?: boolean;
  className?: string;
  /** What the drop area holds besides the button (a reply box, a list of files). */
  children?: ReactNode;
  /** The button above what it holds (a panel), not under it (a reply box). */
  barFirst?: boolean;
}

export function FileDrop({ onFiles, label, hint, disabled = false, className = '', children, barFirst = false }: Props) {
  const [over, setOver] = useState(false);
  const hover = (e: DragEvent) => {
    if (disabled || !carriesFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setOver(true);
  };
  const bar = (
    <div className="file-drop__bar">
      <label className={`btn btn--small file-drop__pick${disabled ? ' file-drop__pick--off' : ''}`}>
        <input
          type="file"
          multiple
          className="visually-hidden"
          disabled={disabled}
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            // The same file chosen again must fire again.
            e.target.value = '';
            if (files.length) onFiles(files);
          }}
        />
        {label}
      </label>
      {hint ? <span className="muted file-drop__hint">{hint}</span> : null}
    </div>
  );
  return (
    <div
      className={`file-drop${over ? ' file-drop--over' : ''} ${className}`.trim()}
      data-testid="file-drop"
      onDragEnter={hover}
      onDragOver={hover}
      onDragLeave={(e) => {
        // Leaving for one of its own children is still over it.
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
      }}
      onDrop={(e) => {
        if (disabled || !carriesFiles(e)) return;
        e.preventDefault();
        setOver(false);
        if (e.dataTransfer.files.length) onFiles([...e.dataTransfer.files]);
      }}
    >
      {barFirst ? bar : null}
      {children}
      {barFirst ? null : bar}
    </div>
  );
}
