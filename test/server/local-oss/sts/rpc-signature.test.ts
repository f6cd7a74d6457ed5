import { describe, expect, it } from 'vitest';
import { rpcSignature, rpcStringToSign } from '../../../../src/server/local-oss/sts';

describe('RPC signature vectors', () => {
  it('reproduces the official RAM documentation vector', () => {
    const params = new Map(Object.entries({
      UserName: 'test', SignatureVersion: '1.0', Format: 'JSON', Timestamp: '2015-08-18T03:15:45Z', AccessKeyId: 'testid',
      SignatureMethod: 'HMAC-SHA1', Version: '2015-05-01', Action: 'CreateUser', SignatureNonce: '6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2',
    }));
    expect(rpcSignature('testsecret', rpcStringToSign('GET', params))).toBe('kRA2cnpJVacIhDMzXnoNZG9tDCI=');
  });

  it('reproduces the reference AssumeRole vector (session policy with characters Node leaves unescaped)', () => {
    const params = new Map(Object.entries({
      Action: 'AssumeRole', RoleArn: 'acs:ram::1234567890123456:role/uploader', RoleSessionName: 'user-42', DurationSeconds: '3600',
      Format: 'JSON', Version: '2015-04-01', AccessKeyId: 'LTAIexampleRootAK', SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0',
      SignatureNonce: '0.4821397', Timestamp: '2023-11-14T22:13:20.000Z',
      Policy: '{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject"],"Resource":["acs:oss:*:*:examplebucket/users/42/*"]}]}',
      Signature: 'ignored when signing',
    }));
    const stringToSign = rpcStringToSign('POST', params);
    expect(stringToSign.startsWith('POST&%2F&AccessKeyId%3DLTAIexampleRootAK%26Action%3DAssumeRole%26DurationSeconds%3D3600%26Format%3DJSON%26Policy%3D%257B%2522Version')).toBe(true);
    expect(rpcSignature('exampleRootSecret', stringToSign)).toBe('f4mMyrLVuir0Ret8XZw/+FZBES0=');
  });
});
