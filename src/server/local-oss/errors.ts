/**
 * OSS error codes, their HTTP statuses and messages, as OSS returns them. One table, one error
 * class: handlers throw `new OssError('NoSuchKey')`, the server renders it once as OSS error XML.
 */
export const OSS_ERRORS = {
  NoSuchBucket: [404, 'The specified bucket does not exist.'],
  NoSuchKey: [404, 'The specified key does not exist.'],
  NoSuchUpload: [404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.'],
  InvalidPart: [400, 'One or more of the specified parts could not be found or the specified entity tag might not have matched the part\'s entity tag.'],
  InvalidPartOrder: [400, 'The list of parts was not in ascending order.'],
  EntityTooSmall: [400, 'Your proposed upload smaller than the minimum allowed size.'],
  EntityTooLarge: [400, 'Your proposed upload exceeds the maximum allowed size.'],
  InvalidArgument: [400, 'Invalid argument.'],
  InvalidRequest: [400, 'Invalid request.'],
  MalformedXML: [400, 'The XML you provided was not well-formed or did not validate against our published schema.'],
  InvalidDigest: [400, 'The Content-MD5 you specified was invalid.'],
  InvalidObjectName: [400, 'The specified object is not valid.'],
  InvalidBucketName: [400, 'The specified bucket is not valid.'],
  MissingContentLength: [411, 'You must provide the Content-Length HTTP header.'],
  CallbackFailed: [203, 'Callback failed; the object was stored.'],
  FileAlreadyExists: [409, 'The object you specified already exists and can not be overwritten.'],
  PreconditionFailed: [412, 'At least one of the pre-conditions you specified did not hold.'],
  InvalidRange: [416, 'The requested range cannot be satisfied.'],
  AccessDenied: [403, 'AccessDenied'],
  SignatureDoesNotMatch: [403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'],
  InvalidAccessKeyId: [403, 'The OSS Access Key Id you provided does not exist in our records.'],
  InvalidSecurityToken: [403, 'The security token you provided is invalid.'],
  SecurityTokenExpired: [403, 'The security token you provided has expired.'],
  AccessKeyIdAndSecurityTokenNotMatch: [403, 'The OSS access key id and security token you provided does not match.'],
  RequestTimeTooSkewed: [403, 'The difference between the request time and the current time is too large.'],
  AccessForbidden: [403, 'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted by the resource\'s CORS spec.'],
  BadRequest: [400, 'Bad request.'],
  MethodNotAllowed: [405, 'The specified method is not allowed against this resource.'],
  InvalidCRC64: [400, 'The x-oss-hash-crc64ecma you specified does not match what we calculated.'],
  RequestTimeout: [400, 'Your socket connection to the server was not read from or written to within the timeout period.'],
  IncompleteBody: [400, 'You did not provide the number of bytes specified by the Content-Length HTTP header.'],
  NotImplemented: [501, 'A header you provided implies functionality that is not implemented.'],
  InsufficientStorage: [507, 'The server does not have enough storage to complete the request.'],
  InternalError: [500, 'We encountered an internal error. Please try again.'],
} as const satisfies Record<string, readonly [number, string]>;

export type OssErrorCode = keyof typeof OSS_ERRORS;

export class OssError extends Error {
  readonly code: OssErrorCode;
  readonly status: number;
  /** Extra elements for the error XML, e.g. `{ ServerTime: '…' }` or `{ StringToSign: '…' }`. */
  readonly extra: Record<string, string>;

  constructor(code: OssErrorCode, message?: string, extra: Record<string, string> = {}, options?: { cause?: unknown }) {
    const [status, defaultMessage] = OSS_ERRORS[code];
    super(message ?? defaultMessage, options);
    this.name = 'OssError';
    this.code = code;
    this.status = status;
    this.extra = extra;
  }
}
