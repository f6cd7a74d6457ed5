/**
 * The examples page (/examples/embed.html): both ways of embedding, side by side, with an event log. The
 * Vue app installs no Pinia on purpose: the component brings its own when the host has none.
 */
import { createApp, h } from 'vue';
import { OssUploader } from './lib';
import { defineOssUploaderElement } from './custom-element';

const log = document.querySelector<HTMLOListElement>('#event-log');

function record(source: string, name: string, detail: unknown): void {
  if (!log) return;
  const entry = document.createElement('li');
  entry.textContent = `${source} ${name} ${JSON.stringify(detail)}`;
  log.prepend(entry);
}

createApp({
  render: () =>
    h(OssUploader, {
      tokenUrl: '/api/sts',
      limit: 10,
      objectKey: (file: File) => `vue/${file.webkitRelativePath || file.name}`,
      onSuccess: (detail: unknown) => record('vue', 'success', detail),
      onError: (detail: unknown) => record('vue', 'error', detail),
      onReject: (detail: unknown) => record('vue', 'reject', detail),
    }),
}).mount('#vue-host');

defineOssUploaderElement();
const element = document.querySelector('#element-uploader');
for (const name of ['success', 'error', 'reject']) {
  element?.addEventListener(name, (event) => record('element', name, (event as CustomEvent).detail));
}
