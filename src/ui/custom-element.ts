import { defineCustomElement } from 'vue';
import { createPinia } from 'pinia';
import OssUploaderElementRoot from './components/OssUploaderElement.vue';
import type { OssUploaderExposed } from './file-list';

/**
 * `<oss-uploader token-url="/api/sts">` for pages without Vue. Each element gets its own Vue app
 * and Pinia (configureApp runs per element), so two uploaders on one page never share state.
 * Styles are put into the element's shadow root.
 */
export const OssUploaderElement = defineCustomElement(OssUploaderElementRoot, {
  configureApp(app) {
    app.use(createPinia());
  },
});

export const DEFAULT_TAG_NAME = 'oss-uploader';

/** Registers the element under `tagName` unless that name is taken. */
export function defineOssUploaderElement(tagName: string = DEFAULT_TAG_NAME): void {
  if (!customElements.get(tagName)) customElements.define(tagName, OssUploaderElement);
}

declare global {
  interface HTMLElementTagNameMap {
    /** With the component's methods (`submit`, `abort`, `clearFiles`, `pauseAll`, `resumeAll`). */
    'oss-uploader': InstanceType<typeof OssUploaderElement> & OssUploaderExposed;
  }
}
