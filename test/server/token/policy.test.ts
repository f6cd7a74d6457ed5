import { describe, it, expect } from 'vitest';
import { buildUploadPolicy, MAX_POLICY_BYTES, PolicyInputError } from '../../../src/server/token/policy';

describe('buildUploadPolicy', () => {
  it('grants only upload, list-parts and abort on objects under the prefix', () => {
    expect(buildUploadPolicy({ bucket: 'examplebucket', prefix: 'uploads/abc/' })).toEqual({
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['oss:PutObject', 'oss:ListParts', 'oss:AbortMultipartUpload'],
          Resource: ['acs:oss:*:*:examplebucket/uploads/abc/*'],
        },
      ],
    });
  });

  it('never grants reading, deleting or listing objects', () => {
    const actions = buildUploadPolicy({ bucket: 'examplebucket', prefix: 'uploads/abc/', listUploads: true }).Statement.flatMap(
      (statement) => statement.Action,
    );
    for (const forbidden of ['oss:GetObject', 'oss:DeleteObject', 'oss:ListObjects', 'oss:*', '*']) {
      expect(actions).not.toContain(forbidden);
    }
  });

  it('leaves ListMultipartUploads out unless asked', () => {
    const actions = buildUploadPolicy({ bucket: 'examplebucket', prefix: 'uploads/abc/' }).Statement.flatMap((s) => s.Action);
    expect(actions).not.toContain('oss:ListMultipartUploads');
  });

  it('restricts ListMultipartUploads to the prefix with an oss:Prefix condition when enabled', () => {
    const policy = buildUploadPolicy({ bucket: 'examplebucket', prefix: 'uploads/abc/', listUploads: true });
    expect(policy.Statement[1]).toEqual({
      Effect: 'Allow',
      Action: ['oss:ListMultipartUploads'],
      Resource: ['acs:oss:*:*:examplebucket'],
      Condition: { StringLike: { 'oss:Prefix': ['uploads/abc/*'] } },
    });
  });

  it.each([
    ['unicode', 'uploads/日本語-ü/'],
    ['plus', 'uploads/a+b/'],
    ['percent', 'uploads/100%/'],
    ['space', 'uploads/my files/'],
  ])('keeps a prefix with %s characters verbatim', (_, prefix) => {
    const policy = buildUploadPolicy({ bucket: 'examplebucket', prefix });
    expect(policy.Statement[0]?.Resource).toEqual([`acs:oss:*:*:examplebucket/${prefix}*`]);
    // The only wildcard in the resource is the trailing one we add.
    expect(policy.Statement[0]?.Resource[0]?.match(/[*?]/g)).toEqual(['*', '*', '*']);
  });

  it.each(['uploads/*/', 'uploads/a*b/', 'uploads/?/', 'uploads/abc?/', '*/'])('rejects the wildcard prefix %j', (prefix) => {
    expect(() => buildUploadPolicy({ bucket: 'examplebucket', prefix })).toThrow(PolicyInputError);
  });

  it.each(['', 'uploads/abc', '/uploads/abc/', 'uploads/a\nb/'])('rejects the malformed prefix %j', (prefix) => {
    expect(() => buildUploadPolicy({ bucket: 'examplebucket', prefix })).toThrow(PolicyInputError);
  });

  it.each(['Example', 'ab', 'bucket/x', 'bucket*', '-bucket'])('rejects the bucket name %j', (bucket) => {
    expect(() => buildUploadPolicy({ bucket, prefix: 'uploads/abc/' })).toThrow(PolicyInputError);
  });

  it('refuses a policy larger than STS accepts', () => {
    const prefix = `uploads/${'a'.repeat(MAX_POLICY_BYTES)}/`;
    expect(() => buildUploadPolicy({ bucket: 'examplebucket', prefix })).toThrow(/at most 1024/);
  });
});
