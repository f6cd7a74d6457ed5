import { DefaultCredentialsProvider, URICredentialsProvider } from '@alicloud/credentials';
import type { CallerCredentials, CallerCredentialSource } from './assume-role';

/**
 * Where the token endpoint's own credentials come from when no AccessKey is configured.
 *
 * Alibaba Cloud's official `@alicloud/credentials` does this part: its providers know the metadata
 * service of an ECS RAM role (IMDSv2), RRSA's OIDC token file on ACK, `~/.alibabacloud` profiles and
 * the `ALIBABA_CLOUD_CREDENTIALS_URI` convention, and they refresh temporary credentials before they
 * expire (15 minutes ahead), sharing one refresh among concurrent callers. It is plain Node (no
 * native code) and works on Node 20 and 22. The AssumeRole call itself is ours (assume-role.ts).
 */
interface OfficialProvider {
  getCredentials(): Promise<{ accessKeyId: string; accessKeySecret: string; securityToken?: string | undefined }>;
}

/** Wraps one of `@alicloud/credentials`' providers (cached and refreshed by the provider). */
export function credentialSourceFrom(provider: OfficialProvider): CallerCredentialSource {
  return async function callerCredentials(): Promise<CallerCredentials> {
    const { accessKeyId, accessKeySecret, securityToken } = await provider.getCredentials();
    return { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
  };
}

/**
 * The default chain, in its order: ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET (+ ALIBABA_CLOUD_SECURITY_TOKEN),
 * RRSA (ALIBABA_CLOUD_ROLE_ARN + ALIBABA_CLOUD_OIDC_PROVIDER_ARN + ALIBABA_CLOUD_OIDC_TOKEN_FILE),
 * the CLI's and `~/.alibabacloud/credentials` profiles, the ECS RAM role (ALIBABA_CLOUD_ECS_METADATA,
 * off with ALIBABA_CLOUD_ECS_METADATA_DISABLED=true), then ALIBABA_CLOUD_CREDENTIALS_URI. It reads
 * `process.env` when built.
 */
export function defaultCredentialSource(): CallerCredentialSource {
  return credentialSourceFrom(DefaultCredentialsProvider.builder().build());
}

/**
 * An HTTP endpoint answering `{ AccessKeyId, AccessKeySecret, SecurityToken, Expiration }` (the
 * `ALIBABA_CLOUD_CREDENTIALS_URI` convention); asked again once less than 15 minutes are left.
 */
export function credentialsUriSource(uri: string): CallerCredentialSource {
  return credentialSourceFrom(URICredentialsProvider.builder().withCredentialsURI(uri).build());
}
