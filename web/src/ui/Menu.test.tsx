import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { Menu } from './Menu';

afterEach(cleanup);

it('works by keyboard: opens on ArrowDown, moves with arrows, selects with a click or Enter, Escape closes', () => {
  const chosen = vi.fn();
  render(
    <Menu
      label="Move"
      ariaLabel="Move deal X"
      items={['Lead', 'Offer', 'Won'].map((s) => ({ key: s, label: `Move to ${s}`, onSelect: () => chosen(s) }))}
    />,
  );
  const button = screen.getByRole('button', { name: 'Move deal X' });
  expect(button.getAttribute('aria-expanded')).toBe('false');
  fireEvent.keyDown(button, { key: 'ArrowDown' });
  expect(button.getAttribute('aria-expanded')).toBe('true');
  expect(document.activeElement?.textContent).toBe('Move to Lead');
  fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
  fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
  fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' }); // wraps around
  expect(document.activeElement?.textContent).toBe('Move to Lead');
  fireEvent.keyDown(document.activeElement!, { key: 'End' });
  expect(document.activeElement?.textContent).toBe('Move to Won');
  fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
  expect(screen.queryByRole('menu')).toBeNull();
  expect(document.activeElement).toBe(button);

  fireEvent.click(button);
  fireEvent.click(screen.getByRole('menuitem', { name: 'Move to Offer' }));
  expect(chosen).toHaveBeenCalledWith('Offer');
  expect(document.activeElement).toBe(button);
});
