/**
 * The embedded OSS + STS for tests and benchmarks: one account (root key, role, bucket) started on
 * free ports, and the token endpoint wired to it as `npm start` wires it.
 */
import OSS from 'ali-oss';
import type { Hono } from 'hono';
import { startLocalOss, type LocalOss, type LocalOssOptions } from '../../src/server/local-oss';
import { createTokenApp, type TokenAppConfig, type TokenAppDeps } from '../../src/server/token/app';
import { createAssumeRole, type AssumeRole, type CallerCredentials } from '../../src/server/token/assume-role';
import { localOssTarget } from '../../src/server/token/oss-target';
import type { TokenResponse } from '../../src/shared/token-response';

/** Who owns the local OSS: the root key, the role the STS hands out, and the one bucket. */
export interface LocalOssAccount {
  root: { accessKeyId: string; accessKeySecret: string };
  roleArn: string;
  bucket: string;
  region: string;
}

export type StartOssOptions = { dataDir: string } & Pick<LocalOssOptions, 'rolePolicy' | 'callbackTimeoutMs'>;

/** The local OSS + STS for `account`, on free ports, storing under `dataDir`. */
export function startOss(account: LocalOssAccount, { dataDir, rolePolicy, callbackTimeoutMs }: StartOssOptions): Promise<LocalOss> {
  return startLocalOss({
    dataDir,
    port: 0,
    rootAccessKeyId: account.root.accessKeyId,
    rootAccessKeySecret: account.root.accessKeySecret,
    roleArn: account.roleArn,
    buckets: [account.bucket],
    region: account.region,
    ...(rolePolicy ? { rolePolicy } : {}),
    ...(callbackTimeoutMs ? { callbackTimeoutMs } : {}),
  });
}

/** AssumeRole against the local STS, signed with `caller` (a root key, or temporary credentials with their token). */
export function localAssumeRole(oss: LocalOss, caller: CallerCredentials, timeoutMs = 5_000): AssumeRole {
  return createAssumeRole({ ...caller, endpoint: oss.stsUrl, timeoutMs });
}

/** Path-style client with the root key, for set-up and checks behind the token endpoint's back. */
export function rootOssClient(oss: LocalOss, account: LocalOssAccount): OSS {
  return new OSS({ ...account.root, bucket: account.bucket, region: account.region, endpoint: oss.url, secure: false, sldEnable: true } as OSS.Options);
}

/** An uploader's client on the account's bucket, signed with the temporary credentials the token endpoint issued. */
export function tokenOssClient(oss: LocalOss, account: LocalOssAccount, token: Pick<TokenResponse, 'accessKeyId' | 'accessKeySecret' | 'securityToken'>): OSS {
  return new OSS({
    accessKeyId: token.accessKeyId,
    accessKeySecret: token.accessKeySecret,
    stsToken: token.securityToken,
    bucket: account.bucket,
    region: account.region,
    endpoint: oss.url,
    sldEnable: true,
  } as OSS.Options);
}

export interface LocalTokenAppOptions extends Omit<TokenAppDeps, 'assumeRole' | 'config'> {
  /** Everything but the role and the OSS target, which come from the account and the server. */
  config: Omit<TokenAppConfig, 'roleArn' | 'oss'>;
  /** Signs AssumeRole; the account's root key unless given. */
  caller?: CallerCredentials;
  stsTimeoutMs?: number;
}

/** The token endpoint handing out the account's role for the local OSS. */
export function localTokenApp(oss: LocalOss, account: LocalOssAccount, { config, caller = account.root, stsTimeoutMs, ...deps }: LocalTokenAppOptions): Hono {
  return createTokenApp({
    ...deps,
    assumeRole: localAssumeRole(oss, caller, stsTimeoutMs),
    config: { ...config, roleArn: account.roleArn, oss: localOssTarget({ url: oss.url, region: account.region, bucket: account.bucket }) },
  });
}
