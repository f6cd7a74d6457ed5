import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import type { VNode } from 'vue';
import OssUploader from '../../src/ui/components/OssUploader.vue';
import { uploaderI18n } from '../../src/ui/i18n';
import { FakeUploader } from './fake-uploader';

type UploaderProps = InstanceType<typeof OssUploader>['$props'];

export interface MountedUploader {
  wrapper: VueWrapper<InstanceType<typeof OssUploader>>;
  engine: FakeUploader;
}

const mounted: Array<VueWrapper> = [];

/** Mounts the panel on a fake engine, attached to the document so focus and styles are real. */
export async function mountUploader(
  props: Partial<UploaderProps> = {},
  engine: FakeUploader = new FakeUploader(),
  slots: Record<string, (scope: never) => VNode> = {},
): Promise<MountedUploader> {
  const wrapper = mount(OssUploader, {
    props: { createUploader: async () => engine, ...props },
    slots,
    attachTo: document.body,
  });
  mounted.push(wrapper);
  await flushPromises();
  return { wrapper, engine };
}

export function unmountAll(): void {
  for (const wrapper of mounted.splice(0)) wrapper.unmount();
  document.head.querySelector('#oss-uploader-styles')?.remove();
  uploaderI18n.global.locale.value = 'en';
  localStorage.clear();
}

/** Puts files into a file input the way a picker does, then fires `change`. */
export async function pickFiles(input: HTMLInputElement, files: File[]): Promise<void> {
  const transfer = new DataTransfer();
  for (const file of files) transfer.items.add(file);
  input.files = transfer.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
  await flushPromises();
}

export function firstFileInput(): HTMLInputElement {
  const input = document.querySelector<HTMLInputElement>('input[type=file]');
  if (!input) throw new Error('no file input on the page');
  return input;
}
