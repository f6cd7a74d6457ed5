import { defineOssUploaderElement } from './custom-element';

// Loading this file is all a plain HTML page needs to use <oss-uploader>.
defineOssUploaderElement();

export { OssUploaderElement, defineOssUploaderElement } from './custom-element';
