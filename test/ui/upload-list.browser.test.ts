/**
 * The virtualised list keeps the row that holds focus: scrolled far out of view with the mouse (or
 * a scrollbar), that row stays in the DOM, in document order, with focus still on it; the rows
 * around the view are rendered as usual, so the DOM stays small.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { flushPromises } from '@vue/test-utils';
import { fileOf } from './fake-uploader';
import { firstFileInput, mountUploader, pickFiles, unmountAll } from './mount-uploader';

const FILES = 300;

afterEach(unmountAll);

function renderedRows(): HTMLElement[] {
  return Array.from(document.querySelectorAll<HTMLElement>('.ou-list > .ou-row'));
}

/** Lets the virtualiser see the scroll, re-render, and measure. */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => requestAnimationFrame(() => resolve(undefined)));
    await flushPromises();
  }
}

describe('the virtualised list', () => {
  test('a focused row scrolled far out of view stays rendered and keeps focus; it leaves when focus does', async () => {
    await mountUploader();
    await pickFiles(
      firstFileInput(),
      Array.from({ length: FILES }, (_, i) => fileOf(`file-${i}.bin`)),
    );
    await settle();
    const first = renderedRows()[0];
    expect(first?.getAttribute('aria-posinset')).toBe('1');
    const button = first?.querySelector<HTMLButtonElement>('button');
    expect(button).toBeTruthy();
    button!.focus();
    expect(document.activeElement).toBe(button);

    const scroller = document.querySelector<HTMLElement>('.ou-list-scroller')!;
    scroller.scrollTop = scroller.scrollHeight;
    await settle();

    const rendered = renderedRows();
    expect(rendered.some((row) => row.getAttribute('aria-posinset') === String(FILES))).toBe(true);
    expect(rendered.length).toBeLessThan(60);
    // Still the same element, still in the document, still focused, still first in document order.
    expect(button!.isConnected).toBe(true);
    expect(document.activeElement).toBe(button);
    expect(rendered[0]?.getAttribute('aria-posinset')).toBe('1');
    // Out of the flow, so the rows in view sit where they belong.
    expect(rendered[0]?.style.position).toBe('absolute');

    button!.blur();
    await settle();
    expect(renderedRows()[0]?.getAttribute('aria-posinset')).not.toBe('1');
  });
});
