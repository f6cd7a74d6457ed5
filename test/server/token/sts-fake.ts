import { http, HttpResponse } from 'msw';
import type { HttpResponseResolver } from 'msw';

/** Stands in for https://sts.aliyuncs.com/ in msw; the real ali-oss STS client posts here. */
export const STS_URL = 'https://sts.aliyuncs.com/';

export const ROOT_ACCESS_KEY_ID = 'LTAItestRootKeyId0001';
export const ROOT_ACCESS_KEY_SECRET = 'rootSecretThatMustNeverLeak0123456789';

export interface AssumeRoleCall {
  params: URLSearchParams;
  policy: unknown;
}

/** An AssumeRole success body as STS sends it. */
export function stsSuccessBody(expiration: Date, serial = 1): object {
  return {
    RequestId: `REQ-${serial}`,
    AssumedRoleUser: { Arn: 'acs:ram::1234567890123456:role/uploader/u-x', AssumedRoleId: '3445:u-x' },
    Credentials: {
      AccessKeyId: `STS.issuedKey${serial}`,
      AccessKeySecret: `issuedSecret${serial}-abcdefghijklmnop`,
      SecurityToken: `CAIStoken${serial}-${'x'.repeat(200)}`,
      Expiration: expiration.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
  };
}

/** An STS error document, as STS answers a failed AssumeRole. */
export function stsErrorBody(code: string, message: string): object {
  return { RequestId: 'REQ-ERR', HostId: 'sts.aliyuncs.com', Code: code, Message: message };
}

/** A handler that records each AssumeRole call (decoded form params) and answers via `answer`. */
export function recordingStsHandler(calls: AssumeRoleCall[], answer: HttpResponseResolver) {
  return http.post(STS_URL, async (info) => {
    const params = new URLSearchParams(await info.request.clone().text());
    calls.push({ params, policy: JSON.parse(params.get('Policy') ?? 'null') });
    return answer(info);
  });
}

export function issuing(expiresAt: () => Date): HttpResponseResolver {
  let serial = 0;
  return () => HttpResponse.json(stsSuccessBody(expiresAt(), ++serial));
}
