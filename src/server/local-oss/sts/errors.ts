/**
 * STS RPC error codes with their HTTP statuses and default messages, as Alibaba Cloud STS answers
 * them (statuses the reference marks unconfirmed follow the common RPC conventions).
 */
export const STS_ERRORS = {
  MissingParameter: [400, 'A mandatory parameter is not supplied.'],
  InvalidParameter: [400, 'The specified parameter is not valid.'],
  'InvalidParameter.RoleArn': [400, 'The parameter RoleArn is wrongly formed.'],
  'InvalidParameter.RoleSessionName': [400, 'The parameter RoleSessionName is wrongly formed.'],
  'InvalidParameter.DurationSeconds': [400, 'The Min/Max value of DurationSeconds is 15min/1hr.'],
  'InvalidParameter.PolicyGrammar': [400, 'The parameter Policy has not passed grammar check.'],
  'InvalidParameter.PolicySize': [400, 'The size of Policy must be smaller than 2048 characters.'],
  InvalidVersion: [400, 'Specified parameter Version is not valid.'],
  'InvalidAction.NotFound': [404, 'Specified api is not found, please check your url and method.'],
  UnsupportedHTTPMethod: [405, 'This http method is not supported.'],
  'InvalidTimeStamp.Format': [400, 'Specified time stamp or date value is not well formatted.'],
  'InvalidTimeStamp.Expired': [400, 'Specified time stamp or date value is expired.'],
  SignatureNonceUsed: [400, 'Specified signature nonce was used already.'],
  SignatureDoesNotMatch: [400, 'Specified signature is not matched with our calculation.'],
  'InvalidAccessKeyId.NotFound': [404, 'Specified access key is not found.'],
  'InvalidSecurityToken.Malformed': [400, 'Specified SecurityToken is malformed.'],
  'InvalidSecurityToken.MismatchWithAccessKey': [400, 'Specified SecurityToken mismatch with the AccessKey.'],
  'InvalidSecurityToken.Expired': [400, 'Specified SecurityToken is expired.'],
  NoPermission: [403, 'You are not authorized to do this action. You should be authorized by RAM.'],
  'EntityNotExist.Role': [404, 'The specified Role not exists.'],
  RequestTooLarge: [413, 'The request body is too large.'],
  InternalError: [500, 'STS Server Internal Error happened.'],
} as const satisfies Record<string, readonly [number, string]>;

export type StsErrorCode = keyof typeof STS_ERRORS;

export class StsApiError extends Error {
  readonly code: StsErrorCode;
  readonly status: number;

  constructor(code: StsErrorCode, message?: string) {
    const [status, defaultMessage] = STS_ERRORS[code];
    super(message ?? defaultMessage);
    this.name = 'StsApiError';
    this.code = code;
    this.status = status;
  }
}
