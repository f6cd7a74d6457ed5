import { OssError } from '../errors';
import type { OssRequest } from '../request';
import { abortMultipartUpload } from './abort-multipart-upload';
import { completeMultipartUpload } from './complete-multipart-upload';
import { copyObject } from './copy-object';
import type { OperationHandler } from './context';
import { deleteMultipleObjects } from './delete-multiple-objects';
import { deleteObject } from './delete-object';
import { getObject, headObject } from './get-object';
import { initiateMultipartUpload } from './initiate-multipart-upload';
import { listMultipartUploads } from './list-multipart-uploads';
import { listObjects, listObjectsV2 } from './list-objects';
import { listParts } from './list-parts';
import { deleteObjectTagging, getObjectTagging, putObjectTagging } from './object-tagging';
import { putObject } from './put-object';
import { describeRequest, notImplemented, refusalFor, routeFor, ROUTES, type OperationName, type Route } from './routes';
import { uploadPart } from './upload-part';

export { ROUTES, type OperationName } from './routes';
export { assertValidKey } from './keys';

/**
 * The operations this server implements. Every other row of ROUTES is answered 501 NotImplemented
 * once the request is authenticated and authorized. Implementing one: add its handler here.
 */
export const IMPLEMENTED: Partial<Record<OperationName, OperationHandler>> = {
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
  CopyObject: copyObject,
  DeleteMultipleObjects: deleteMultipleObjects,
  PutObjectTagging: putObjectTagging,
  GetObjectTagging: getObjectTagging,
  DeleteObjectTagging: deleteObjectTagging,
};

/**
 * The handler the server runs for an operation, after authentication and authorization. For an
 * implemented one it first refuses what the operation does not support (refused features, unknown
 * sub-resources); for the others it only refuses. Either way nothing is read or stored before.
 */
export const HANDLERS = Object.fromEntries(
  ROUTES.map(({ name }) => {
    const implementation = IMPLEMENTED[name];
    const handler: OperationHandler = implementation
      ? async (ctx) => {
          const refusal = refusalFor(routeFor(ctx.request), ctx.request);
          if (refusal) throw refusal;
          await implementation(ctx);
        }
      : async (ctx) => {
          throw notImplemented(`${name} (${describeRequest(routeFor(ctx.request))})`);
        };
    return [name, handler];
  }),
) as Record<OperationName, OperationHandler>;

/**
 * Which OSS API a request calls (see ROUTES). Throws MethodNotAllowed when no operation matches,
 * and NotImplemented for an operation that cannot be authenticated or authorized without being
 * implemented (its credentials or keys are in the body).
 */
export function resolveOperation(request: OssRequest): OperationName {
  const route: Route & { name: OperationName } = routeFor(request);
  if (route.refusedBeforeAuthentication !== undefined) throw notImplemented(route.refusedBeforeAuthentication);
  return route.name;
}
