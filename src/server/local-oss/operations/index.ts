import type { OssOperation } from '../auth';
import { OssError } from '../errors';
import { hasQueryParam, type OssRequest } from '../request';
import { abortMultipartUpload } from './abort-multipart-upload';
import { completeMultipartUpload } from './complete-multipart-upload';
import type { OperationHandler } from './context';
import { deleteObject } from './delete-object';
import { getObject, headObject } from './get-object';
import { initiateMultipartUpload } from './initiate-multipart-upload';
import { listMultipartUploads } from './list-multipart-uploads';
import { listObjects, listObjectsV2 } from './list-objects';
import { listParts } from './list-parts';
import { putObject } from './put-object';
import { uploadPart } from './upload-part';

export type SupportedOperation =
  | 'PutObject' | 'GetObject' | 'HeadObject' | 'DeleteObject'
  | 'ListObjects' | 'ListObjectsV2' | 'ListMultipartUploads'
  | 'InitiateMultipartUpload' | 'UploadPart' | 'CompleteMultipartUpload' | 'ListParts' | 'AbortMultipartUpload';

export const HANDLERS: Record<SupportedOperation, OperationHandler> = {
  PutObject: putObject,
  GetObject: getObject,
  HeadObject: headObject,
  DeleteObject: deleteObject,
  ListObjects: listObjects,
  ListObjectsV2: listObjectsV2,
  ListMultipartUploads: listMultipartUploads,
  InitiateMultipartUpload: initiateMultipartUpload,
  UploadPart: uploadPart,
  CompleteMultipartUpload: completeMultipartUpload,
  ListParts: listParts,
  AbortMultipartUpload: abortMultipartUpload,
};

/** Which OSS API a request calls, from method, key presence and sub-resources. */
export function resolveOperation(request: OssRequest): SupportedOperation & OssOperation {
  const has = (name: string): boolean => hasQueryParam(request, name);
  if (request.key === null) {
    if (request.method === 'GET' && has('uploads')) return 'ListMultipartUploads';
    if (request.method === 'GET' && request.query.some(([name, value]) => name === 'list-type' && value === '2')) return 'ListObjectsV2';
    if (request.method === 'GET') return 'ListObjects';
    throw new OssError('MethodNotAllowed');
  }
  switch (request.method) {
    case 'PUT':
      return has('partNumber') || has('uploadId') ? 'UploadPart' : 'PutObject';
    case 'GET':
      return has('uploadId') ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST':
      if (has('uploads')) return 'InitiateMultipartUpload';
      if (has('uploadId')) return 'CompleteMultipartUpload';
      throw new OssError('MethodNotAllowed');
    default:
      throw new OssError('MethodNotAllowed');
  }
}

/** 1–1023 UTF-8 bytes, not starting with `/` or `\`. */
export function assertValidKey(key: string): void {
  if (Buffer.byteLength(key, 'utf8') > 1023 || key.startsWith('/') || key.startsWith('\\')) throw new OssError('InvalidObjectName');
}
