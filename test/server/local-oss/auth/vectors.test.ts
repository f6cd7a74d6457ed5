import { describe, expect, it } from 'vitest';
import { authenticate } from '../../../../src/server/local-oss/auth';
import { v1Signature, v1StringToSign } from '../../../../src/server/local-oss/auth/v1';
import { v4CanonicalRequests, v4Signature, v4StringToSign } from '../../../../src/server/local-oss/auth/v4';
import type { AuthRequest } from '../../../../src/server/local-oss/auth';
import { makeContext } from './support';

// Worked vectors from the protocol reference (§6), from the Go SDK v2 signer tests and ali-oss.
const akSkContext = (nowMs: number) => makeContext({ rootAccessKeyId: 'ak', rootAccessKeySecret: 'sk', now: () => nowMs });

const uploadPart = (headers: Record<string, string>, query: Array<[string, string]> = []): AuthRequest => ({
  method: 'PUT',
  bucket: 'examplebucket',
  key: 'users/42/video.mp4',
  query: [['partNumber', '1'], ['uploadId', '0004B9894A22E5B1888A1E29F823E1A2'], ...query],
  headers,
});

describe('V1 header vectors', () => {
  it('accepts example 1 (Go SDK TestV1AuthHeader)', () => {
    const date = 'Wed, 28 Dec 2022 10:27:41 GMT';
    const principal = authenticate(
      {
        method: 'PUT',
        bucket: 'examplebucket',
        key: 'nelson',
        query: [],
        headers: {
          authorization: 'OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=',
          'content-md5': 'eB5eJF1ptWaXm4bijSPyxw==',
          'content-type': 'text/html',
          'x-oss-meta-author': 'alice',
          'x-oss-meta-magic': 'abracadabra',
          'x-oss-date': date,
        },
      },
      akSkContext(Date.parse(date)),
    );
    expect(principal).toEqual({ accessKeyId: 'ak', kind: 'root' });
  });

  it('reproduces example 2 (UploadPart with an STS token)', () => {
    const date = 'Tue, 14 Nov 2023 22:13:20 GMT';
    const req = uploadPart({
      'content-type': 'video/mp4',
      'x-oss-date': date,
      'x-oss-security-token': 'CAISexampletoken',
      'x-oss-user-agent': 'aliyun-sdk-js/6.23.0',
    });
    const stringToSign = v1StringToSign(req, date);
    expect(stringToSign.toString('utf8')).toBe(
      'PUT\n\nvideo/mp4\nTue, 14 Nov 2023 22:13:20 GMT\n' +
        'x-oss-date:Tue, 14 Nov 2023 22:13:20 GMT\nx-oss-security-token:CAISexampletoken\n' +
        'x-oss-user-agent:aliyun-sdk-js/6.23.0\n' +
        '/examplebucket/users/42/video.mp4?partNumber=1&uploadId=0004B9894A22E5B1888A1E29F823E1A2',
    );
    expect(v1Signature('exampleSecret', stringToSign)).toBe('zasPNk75mrwssdDrE4ApbZ2s5rE=');
  });
});

describe('V1 presigned vectors', () => {
  it('reproduces the reference presigned UploadPart', () => {
    const req = uploadPart({ 'content-type': 'video/mp4' }, [
      ['OSSAccessKeyId', 'STS.NUexampleAK'],
      ['Expires', '1700000600'],
      ['Signature', 'YGq8bEfNJL/X/Aay3sr73uqast0='],
      ['security-token', 'CAISexampletoken'],
    ]);
    const stringToSign = v1StringToSign(req, '1700000600');
    expect(stringToSign.toString('utf8')).toBe(
      'PUT\n\nvideo/mp4\n1700000600\n/examplebucket/users/42/video.mp4' +
        '?partNumber=1&security-token=CAISexampletoken&uploadId=0004B9894A22E5B1888A1E29F823E1A2',
    );
    expect(v1Signature('exampleSecret', stringToSign)).toBe('YGq8bEfNJL/X/Aay3sr73uqast0=');
  });

  it('accepts the Go SDK TestV1AuthQuery URL (versionId sub-resource)', () => {
    const req: AuthRequest = {
      method: 'GET',
      bucket: 'bucket',
      key: 'key',
      query: [['Expires', '1699807420'], ['OSSAccessKeyId', 'ak'], ['Signature', 'dcLTea+Yh9ApirQ8o8dOPqtvJXQ='], ['versionId', 'versionId']],
      headers: {},
    };
    expect(authenticate(req, akSkContext(1699807420_000)).accessKeyId).toBe('ak');
  });
});

describe('V4 vectors', () => {
  it('reproduces the reference V4 UploadPart (canonical request, string to sign, signature)', () => {
    const req = uploadPart({
      'content-type': 'video/mp4',
      'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
      'x-oss-date': '20231114T221320Z',
      'x-oss-security-token': 'CAISexampletoken',
      'x-oss-user-agent': 'aliyun-sdk-js/6.23.0',
    });
    const [canonical] = v4CanonicalRequests(req, req.query, []);
    expect(canonical?.toString('utf8')).toBe(
      'PUT\n/examplebucket/users/42/video.mp4\npartNumber=1&uploadId=0004B9894A22E5B1888A1E29F823E1A2\n' +
        'content-type:video/mp4\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20231114T221320Z\n' +
        'x-oss-security-token:CAISexampletoken\nx-oss-user-agent:aliyun-sdk-js/6.23.0\n\n\nUNSIGNED-PAYLOAD',
    );
    const scope = { accessKeyId: 'STS.NUexampleAK', date: '20231114', region: 'cn-hangzhou' };
    const stringToSign = v4StringToSign('20231114T221320Z', scope, canonical ?? Buffer.alloc(0));
    expect(stringToSign).toBe(
      'OSS4-HMAC-SHA256\n20231114T221320Z\n20231114/cn-hangzhou/oss/aliyun_v4_request\n' +
        '20a429125afb138c6871c180548d7bda47a091937a9acd124e8fd57d1b9c9614',
    );
    expect(v4Signature('exampleSecret', scope, stringToSign)).toBe('2cbdcd3b4fac9ee64ad82f1e0b49bbdbac636481af9e2604fe945403af511609');
  });

  it('accepts the Go SDK TestV4AuthHeader request (empty-valued and symbol-named query params)', () => {
    const req: AuthRequest = {
      method: 'PUT',
      bucket: 'bucket',
      key: '1234+-/123/1.txt',
      query: [['param1', 'value1'], ['+param1', 'value3'], ['|param1', 'value4'], ['+param2', ''], ['|param2', ''], ['param2', '']],
      headers: {
        authorization:
          'OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe',
        'x-oss-head1': 'value',
        abc: 'value',
        zabc: 'value',
        xyz: 'value',
        'content-type': 'text/plain',
        'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
        'x-oss-date': '20231216T162057Z',
      },
    };
    expect(authenticate(req, akSkContext(1702743657_000)).accessKeyId).toBe('ak');
  });

  it('reproduces the reference V4 presigned UploadPart', () => {
    const query: Array<[string, string]> = [
      ['partNumber', '1'],
      ['uploadId', '0004B9894A22E5B1888A1E29F823E1A2'],
      ['x-oss-credential', 'STS.NUexampleAK/20231114/cn-hangzhou/oss/aliyun_v4_request'],
      ['x-oss-date', '20231114T221320Z'],
      ['x-oss-expires', '600'],
      ['x-oss-signature-version', 'OSS4-HMAC-SHA256'],
      ['x-oss-security-token', 'CAISexampletoken'],
    ];
    const req: AuthRequest = { method: 'PUT', bucket: 'examplebucket', key: 'users/42/video.mp4', query, headers: { 'content-type': 'video/mp4' } };
    const scope = { accessKeyId: 'STS.NUexampleAK', date: '20231114', region: 'cn-hangzhou' };
    const signatures = v4CanonicalRequests(req, query, []).map((canonical) =>
      v4Signature('exampleSecret', scope, v4StringToSign('20231114T221320Z', scope, canonical)),
    );
    expect(signatures[0]).toBe('9eebebb9603ce26c7d22408b2ce84e8f20a103fbc94f511e933beda0473f304a');
  });

  it('accepts the Go SDK TestV4AuthQuery URL', () => {
    const req: AuthRequest = {
      method: 'PUT',
      bucket: 'bucket',
      key: '1234+-/123/1.txt',
      query: [
        ['param1', 'value1'], ['+param1', 'value3'], ['|param1', 'value4'], ['+param2', ''], ['|param2', ''], ['param2', ''],
        ['x-oss-credential', 'ak/20231217/cn-hangzhou/oss/aliyun_v4_request'],
        ['x-oss-date', '20231217T025437Z'],
        ['x-oss-expires', '599'],
        ['x-oss-signature', 'a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe'],
        ['x-oss-signature-version', 'OSS4-HMAC-SHA256'],
      ],
      headers: { 'x-oss-head1': 'value', abc: 'value', zabc: 'value', xyz: 'value', 'content-type': 'application/octet-stream' },
    };
    expect(authenticate(req, akSkContext(1702782276_000)).accessKeyId).toBe('ak');
  });
});
