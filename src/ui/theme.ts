/** The uploader's colour scheme: the visitor's (`auto`, from `prefers-color-scheme`) or a forced one. */
export type UploaderTheme = 'auto' | 'light' | 'dark';

export const UPLOADER_THEMES: readonly UploaderTheme[] = ['auto', 'light', 'dark'];

/**
 * A `theme` attribute of the custom element. Anything else is a mistake in the host page: it is
 * refused with a console error naming the values, and the uploader keeps following the visitor.
 */
export function themeFromAttribute(value: string | undefined): UploaderTheme {
  if (value === undefined || value === '') return 'auto';
  if ((UPLOADER_THEMES as readonly string[]).includes(value)) return value as UploaderTheme;
  console.error(`<oss-uploader>: theme="${value}" is not one of ${UPLOADER_THEMES.join(', ')}; following the visitor's colour scheme.`);
  return 'auto';
}
