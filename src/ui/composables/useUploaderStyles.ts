import { onMounted, type Ref } from 'vue';
import css from '../styles/uploader.css?inline';

const STYLE_ID = 'oss-uploader-styles';

/**
 * Puts the uploader's stylesheet into the root the component renders in: the document head on a
 * normal page, the shadow root inside the custom element. Once per root, so many uploaders share it.
 */
export function useUploaderStyles(element: Readonly<Ref<HTMLElement | null>>): void {
  onMounted(() => {
    const root = element.value?.getRootNode();
    const container = root instanceof ShadowRoot ? root : root instanceof Document ? root.head : null;
    if (!container || container.querySelector(`#${STYLE_ID}`)) return;
    const style = document.createElement('style');
    style.id = STYLE_ID;
    style.textContent = css;
    container.prepend(style);
  });
}
