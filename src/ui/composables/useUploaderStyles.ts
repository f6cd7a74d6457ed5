import { onMounted, type Ref } from 'vue';
import css from '../styles/uploader.css?inline';

const STYLE_ID = 'oss-uploader-styles';

/**
 * Puts the uploader's stylesheet into the root the component renders in: the document head on a
 * normal page, the shadow root inside the custom element. Once per root, so many uploaders share it.
 */
export function useUploaderStyles(element: Readonly<Ref<HTMLElement | null>>): void {
  useStyleSheet(element, STYLE_ID, css);
}

/** `text` as a `<style id>` in the root `element` renders in (head or shadow root), once per root. */
export function useStyleSheet(element: Readonly<Ref<HTMLElement | null>>, id: string, text: string): void {
  onMounted(() => {
    const root = element.value?.getRootNode();
    const container = root instanceof ShadowRoot ? root : root instanceof Document ? root.head : null;
    if (!container || container.querySelector(`#${id}`)) return;
    const style = document.createElement('style');
    style.id = id;
    style.textContent = text;
    container.prepend(style);
  });
}
