// A menu button (WAI-ARIA menu pattern): Enter/Space/ArrowDown opens it,
// arrows move, Escape closes and gives focus back to the button. Used for
// "move to stage", the keyboard path that dragging has no other way to offer.
import { useEffect, useId, useLayoutEffect, useRef, useState, type CSSProperties, type KeyboardEvent } from 'react';

export interface MenuItem {
  key: string;
  label: string;
  onSelect(): void;
}

interface Props {
  label: string;
  /** What a screen reader hears for the button. */
  ariaLabel?: string;
  items: MenuItem[];
  className?: string;
}

export function Menu({ label, ariaLabel, items, className }: Props) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const id = useId();
  const [place, setPlace] = useState<CSSProperties | undefined>();

  // The list is fixed to the viewport next to its button, and kept inside
  // it: in a scrolling board column near the screen's edge (a phone) an
  // absolute list would be cut off, or hang off the screen.
  useLayoutEffect(() => {
    if (!open) {
      setPlace(undefined);
      return;
    }
    const position = () => {
      const b = button.current?.getBoundingClientRect();
      const l = list.current;
      if (!b || !l) return;
      const margin = 8;
      const w = Math.min(l.offsetWidth, window.innerWidth - 2 * margin);
      const h = l.offsetHeight;
      const left = Math.min(Math.max(margin, b.left), window.innerWidth - w - margin);
      const below = b.bottom + 4;
      const top = below + h > window.innerHeight - margin && b.top - h - 4 > margin ? b.top - h - 4 : below;
      setPlace({ position: 'fixed', top, left, right: 'auto', maxWidth: window.innerWidth - 2 * margin });
    };
    position();
    window.addEventListener('resize', position);
    window.addEventListener('scroll', position, true);
    return () => {
      window.removeEventListener('resize', position);
      window.removeEventListener('scroll', position, true);
    };
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const el = list.current?.querySelectorAll<HTMLElement>('[role="menuitem"]')[active];
    el?.focus();
  }, [open, active]);

  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      if (!list.current?.contains(e.target as Node) && e.target !== button.current) setOpen(false);
    };
    document.addEventListener('mousedown', away);
    return () => document.removeEventListener('mousedown', away);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  const onButtonKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setActive(e.key === 'ArrowDown' ? 0 : items.length - 1);
      setOpen(true);
    }
  };

  const onListKey = (e: KeyboardEvent) => {
    const n = items.length;
    if (e.key === 'ArrowDown') setActive((a) => (a + 1) % n);
    else if (e.key === 'ArrowUp') setActive((a) => (a - 1 + n) % n);
    else if (e.key === 'Home') setActive(0);
    else if (e.key === 'End') setActive(n - 1);
    else if (e.key === 'Escape' || e.key === 'Tab') {
      if (e.key === 'Escape') e.preventDefault();
      close();
      return;
    } else return;
    e.preventDefault();
  };

  return (
    <div className={`menu ${className ?? ''}`}>
      <button
        ref={button}
        type="button"
        className="btn btn--small"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        aria-label={ariaLabel}
        onClick={() => {
          setActive(0);
          setOpen((o) => !o);
        }}
        onKeyDown={onButtonKey}
      >
        {label}
      </button>
      {open ? (
        <ul ref={list} id={id} role="menu" className="menu__list" style={place} onKeyDown={onListKey}>
          {items.map((item, i) => (
            <li key={item.key} role="none">
              <button
                type="button"
                role="menuitem"
                tabIndex={i === active ? 0 : -1}
                onClick={() => {
                  close();
                  item.onSelect();
                }}
              >
                {item.label}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
