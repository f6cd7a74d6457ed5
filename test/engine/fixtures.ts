import type { Checkpoint, Clock, Credentials } from '../../src/engine/contracts';

export function makeCheckpoint(overrides: Partial<Checkpoint> = {}): Checkpoint {
  return {
    id: 'cp-1',
    fingerprint: 'v1:aaaa',
    key: 'users/42/video.mp4',
    bucket: 'uploads',
    uploadId: 'UPLOAD-1',
    name: 'video.mp4',
    size: 3 * 1024 * 1024,
    type: 'video/mp4',
    lastModified: 1_700_000_000_000,
    partSize: 1024 * 1024,
    doneParts: [],
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function makeCredentials(overrides: Partial<Credentials> = {}): Credentials {
  return {
    accessKeyId: 'STS.testAK',
    accessKeySecret: 'testSecret',
    securityToken: 'CAIStesttoken',
    expiration: '2030-01-01T01:00:00Z',
    region: 'oss-cn-hangzhou',
    bucket: 'uploads',
    endpoint: 'http://oss.test',
    secure: false,
    sldEnable: true,
    prefix: 'users/42/',
    ...overrides,
  };
}

/** A clock that only moves when told to; sleep resolves at once. */
export function manualClock(start = Date.parse('2030-01-01T00:00:00Z')): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    sleep: async () => undefined,
    advance(ms) {
      now += ms;
    },
  };
}

/** A promise with its settle functions, to hold a fake call open until the test lets it go. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
